-- The first time after `after` that a cron expression (baton.parse_cron) matches, on the
-- wall clock of `time_zone`. A local time that a change of daylight-saving time skips runs
-- at the same time after the change (02:30 becomes 03:30); one that repeats runs once.
-- Looks up to five years ahead (29 February).
CREATE OR REPLACE FUNCTION baton.cron_next(expression text, time_zone text, after timestamptz)
RETURNS timestamptz
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    c record;
    start_day date := (after AT TIME ZONE time_zone)::date;
    d date;
    h integer;
    m integer;
    candidate timestamptz;
BEGIN
    SELECT * INTO c FROM baton.parse_cron(expression);
    FOR offset_days IN 0..1830 LOOP
        d := start_day + offset_days;
        CONTINUE WHEN NOT extract(month FROM d)::integer = ANY (c.months);
        CONTINUE WHEN NOT CASE
            WHEN c.any_day AND c.any_weekday THEN true
            WHEN c.any_weekday THEN extract(day FROM d)::integer = ANY (c.days)
            WHEN c.any_day THEN extract(dow FROM d)::integer = ANY (c.weekdays)
            ELSE extract(day FROM d)::integer = ANY (c.days) OR extract(dow FROM d)::integer = ANY (c.weekdays)
        END;
        FOREACH h IN ARRAY c.hours LOOP
            FOREACH m IN ARRAY c.minutes LOOP
                candidate := (d + make_interval(hours => h, mins => m)) AT TIME ZONE time_zone;
                IF candidate > after THEN
                    RETURN candidate;
                END IF;
            END LOOP;
        END LOOP;
    END LOOP;
    RETURN NULL;
END $$;
