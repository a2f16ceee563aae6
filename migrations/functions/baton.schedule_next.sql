-- A schedule's first due time after `after`: for `once`, its anchor or NULL. `minutes` and `hourly` count
-- elapsed time from the schedule's anchor (its first due time); the others count on the
-- wall clock of its time zone from the anchor's local time (a daily 03:00 stays 03:00 when
-- daylight-saving time begins or ends; a month from 31 January is 28 February, two months
-- 31 March); `cron` is baton.cron_next.
CREATE OR REPLACE FUNCTION baton.schedule_next(s baton.schedules, after timestamptz)
RETURNS timestamptz
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    step interval;
    months integer;
    local_anchor timestamp := s.anchor AT TIME ZONE s.time_zone;
    local_after timestamp := after AT TIME ZONE s.time_zone;
    n bigint;
    candidate timestamptz;
BEGIN
    IF s.schedule_type = 'once' THEN
        RETURN CASE WHEN s.anchor > after THEN s.anchor END;
    ELSIF s.schedule_type = 'cron' THEN
        RETURN baton.cron_next(s.cron, s.time_zone, after);
    ELSIF s.anchor > after THEN
        RETURN s.anchor;
    ELSIF s.schedule_type IN ('minutes', 'hourly') THEN
        step := CASE WHEN s.schedule_type = 'hourly' THEN interval '1 hour' ELSE s.minutes * interval '1 minute' END;
        n := floor(extract(epoch FROM after - s.anchor) / extract(epoch FROM step))::bigint + 1;
        RETURN s.anchor + n * step;
    ELSIF s.schedule_type IN ('daily', 'weekly', 'biweekly') THEN
        step := CASE s.schedule_type WHEN 'daily' THEN interval '1 day' WHEN 'weekly' THEN interval '7 days'
                ELSE interval '14 days' END;
        -- An estimate a step short, then forward: local days are 23 to 25 hours long.
        n := greatest(0, floor(extract(epoch FROM local_after - local_anchor) / extract(epoch FROM step))::bigint - 1);
    ELSE
        months := CASE s.schedule_type WHEN 'monthly' THEN 1 WHEN 'bimonthly' THEN 2 WHEN 'quarterly' THEN 3 ELSE 12 END;
        step := months * interval '1 month';
        n := greatest(0, ((extract(year FROM local_after) - extract(year FROM local_anchor)) * 12
                          + extract(month FROM local_after) - extract(month FROM local_anchor))::bigint / months - 1);
    END IF;
    LOOP
        candidate := (local_anchor + n * step) AT TIME ZONE s.time_zone;
        EXIT WHEN candidate > after;
        n := n + 1;
    END LOOP;
    RETURN candidate;
END $$;
