-- The values one field of a cron expression allows, sorted: `*`, `5`, `1-5`, `*/15`, `10-50/20`,
-- `5/15` (from 5, every 15), lists of those (`1,15,30`), and the names in `names` (`jan`,
-- `mon`), which stand for `low`, `low + 1`, .... Raises a clear error naming `label` for
-- anything else (SQLSTATE QB001).
CREATE OR REPLACE FUNCTION baton.cron_field(field text, low integer, high integer, names text[], label text)
RETURNS integer[]
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    part text;
    span text;
    step integer;
    first integer;
    last integer;
    allowed integer[] := '{}';
BEGIN
    IF field IS NULL OR field = '' THEN
        RAISE EXCEPTION 'baton: the cron expression has no % field', label USING ERRCODE = 'QB001';
    END IF;
    FOREACH part IN ARRAY string_to_array(lower(field), ',') LOOP
        span := split_part(part, '/', 1);
        step := 1;
        IF position('/' IN part) > 0 THEN
            IF split_part(part, '/', 2) !~ '^[0-9]{1,4}$' OR split_part(part, '/', 2)::integer = 0 THEN
                RAISE EXCEPTION 'baton: the cron % field "%": a step is a whole number from 1', label, left(field, 60)
                    USING ERRCODE = 'QB001';
            END IF;
            step := split_part(part, '/', 2)::integer;
        END IF;
        IF span = '*' THEN
            first := low;
            last := high;
        ELSE
            first := baton.cron_value(split_part(span, '-', 1), low, names, label, field);
            last := CASE WHEN position('-' IN span) > 0 THEN baton.cron_value(split_part(span, '-', 2), low, names, label, field)
                         WHEN position('/' IN part) > 0 THEN high
                         ELSE first END;
        END IF;
        IF first < low OR last > high OR first > last THEN
            RAISE EXCEPTION 'baton: the cron % field "%" is out of range (% to %)', label, left(field, 60), low, high
                USING ERRCODE = 'QB001';
        END IF;
        allowed := allowed || ARRAY(SELECT generate_series(first, last, step));
    END LOOP;
    RETURN ARRAY(SELECT DISTINCT v FROM unnest(allowed) AS v ORDER BY v);
END $$;
