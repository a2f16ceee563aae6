-- One number or name of a cron field (baton.cron_field); raises naming the field otherwise.
CREATE OR REPLACE FUNCTION baton.cron_value(token text, low integer, names text[], label text, field text)
RETURNS integer
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, baton, pg_temp AS $$
BEGIN
    IF token ~ '^[0-9]{1,4}$' THEN
        RETURN token::integer;
    ELSIF array_position(names, token) IS NOT NULL THEN
        RETURN low + array_position(names, token) - 1;
    END IF;
    RAISE EXCEPTION 'baton: the cron % field "%" is not understood (numbers, ranges a-b, steps */n, lists a,b%)',
        label, left(field, 60), CASE WHEN names IS NULL THEN '' ELSE ', names such as ' || names[1] END
        USING ERRCODE = 'QB001';
END $$;
