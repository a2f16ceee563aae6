-- Returns `queue` when it is a queue's name (1 to 128 letters, digits, `_`, `-`, `.` or
-- `:`); raises a clear error naming `caller` (SQLSTATE QB001) for anything else. No
-- bounded repetition in the pattern: `{1,128}` made each call 4 µs slower (0029).
CREATE OR REPLACE FUNCTION baton.check_queue(queue text, caller text) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, baton, pg_temp AS $$
BEGIN
    IF queue IS NULL OR queue !~ '^[A-Za-z0-9_.:-]+$' OR length(queue) > 128 THEN
        RAISE EXCEPTION '%: a queue''s name is 1 to 128 letters, digits, "_", "-", "." or ":", not %', caller,
            CASE WHEN queue IS NULL THEN 'NULL' ELSE quote_literal(left(queue, 140)) END
            USING ERRCODE = 'QB001';
    END IF;
    RETURN queue;
END $$;
