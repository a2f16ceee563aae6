-- Reads a five-field cron expression, `minute hour day-of-month month day-of-week` (the day
-- of the week 0-7, 0 and 7 Sunday; names `jan`-`dec`, `sun`-`sat`), or one of @yearly
-- (@annually), @monthly, @weekly, @daily (@midnight), @hourly. As in cron, when both day
-- fields are restricted (neither starts with `*`), a day matching either is due. Raises a
-- clear error for anything else, and for an expression no day can match (30 February).
CREATE OR REPLACE FUNCTION baton.parse_cron(
    expression text, OUT minutes integer[], OUT hours integer[], OUT days integer[], OUT months integer[],
    OUT weekdays integer[], OUT any_day boolean, OUT any_weekday boolean
)
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    fields text[];
    text_form text := lower(btrim(coalesce(expression, '')));
BEGIN
    text_form := CASE text_form
        WHEN '@yearly' THEN '0 0 1 1 *' WHEN '@annually' THEN '0 0 1 1 *' WHEN '@monthly' THEN '0 0 1 * *'
        WHEN '@weekly' THEN '0 0 * * 0' WHEN '@daily' THEN '0 0 * * *' WHEN '@midnight' THEN '0 0 * * *'
        WHEN '@hourly' THEN '0 * * * *' ELSE text_form END;
    fields := regexp_split_to_array(text_form, '\s+');
    IF text_form = '' OR array_length(fields, 1) <> 5 THEN
        RAISE EXCEPTION 'baton: a cron expression has five fields, minute hour day-of-month month day-of-week '
            '(such as "0 3 * * *"), not "%"', left(coalesce(expression, 'NULL'), 100) USING ERRCODE = 'QB001';
    END IF;
    minutes := baton.cron_field(fields[1], 0, 59, NULL, 'minute');
    hours := baton.cron_field(fields[2], 0, 23, NULL, 'hour');
    days := baton.cron_field(fields[3], 1, 31, NULL, 'day-of-month');
    months := baton.cron_field(fields[4], 1, 12,
                               '{jan,feb,mar,apr,may,jun,jul,aug,sep,oct,nov,dec}', 'month');
    weekdays := ARRAY(SELECT DISTINCT v % 7 FROM unnest(baton.cron_field(fields[5], 0, 7,
                                                   '{sun,mon,tue,wed,thu,fri,sat}', 'day-of-week')) AS v ORDER BY 1);
    any_day := left(fields[3], 1) = '*';
    any_weekday := left(fields[5], 1) = '*';
    -- A day of the month that no month allowed has (30 February) is never due.
    IF any_weekday AND NOT EXISTS (
        SELECT 1 FROM unnest(months) AS m, unnest(days) AS d
        WHERE d <= extract(day FROM (make_date(2024, m, 1) + interval '1 month - 1 day'))::integer
    ) THEN
        RAISE EXCEPTION 'baton: the cron expression "%" names no day that exists', left(expression, 100)
            USING ERRCODE = 'QB001';
    END IF;
END $$;
