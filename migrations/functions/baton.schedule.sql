-- Creates or replaces the schedule `name` (django-q's `schedule()`): `func` with `args`,
-- `kwargs` and `options` (a link's options: queue, priority, timeout, max_attempts, hook,
-- task_name, save, ...) enqueued at `next_run` (by default now, or a cron expression's next
-- match) and at every later due time `schedule_type` gives. Upserted by name: scheduling
-- again with the same timing (type, minutes, cron, time zone) and no `next_run` keeps its
-- next run, runs left and pause, so that a redeploy changes nothing of when it fires; a new
-- timing, or a `next_run`, starts it afresh with `repeats`. Raises a clear error (QB001) for
-- anything it cannot use. Returns the schedule as stored.
CREATE OR REPLACE FUNCTION baton.schedule(
    name text, func text, args jsonb DEFAULT '[]', kwargs jsonb DEFAULT '{}', schedule_type text DEFAULT 'once',
    minutes integer DEFAULT NULL, cron text DEFAULT NULL, time_zone text DEFAULT 'UTC', repeats integer DEFAULT -1,
    next_run timestamptz DEFAULT NULL, catch_up boolean DEFAULT true, options jsonb DEFAULT '{}'
) RETURNS baton.schedules
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    label text := format('baton.schedule "%s"', left(coalesce(schedule.name, ''), 100));
    first_run timestamptz;
    link record;
    stored baton.schedules;
BEGIN
    IF schedule.name IS NULL OR schedule.name = '' OR length(schedule.name) > 200 OR schedule.name ~ '[[:cntrl:]]' THEN
        RAISE EXCEPTION 'baton.schedule: a schedule''s name is 1 to 200 characters with no control characters'
            USING ERRCODE = 'QB001';
    END IF;
    -- The task as an enqueue would read it: a clear error now rather than at its first run.
    SELECT * INTO link
    FROM baton.parse_link(jsonb_build_array(schedule.func, schedule.args, schedule.kwargs, schedule.options), label);
    IF link.max_attempts < 1 OR link.retry_delay < interval '0' OR link.timeout <= interval '0'
       OR link.priority NOT BETWEEN -32768 AND 32767 THEN
        RAISE EXCEPTION '%: max_attempts is at least 1, retry_delay not negative, timeout positive, priority from '
            '-32768 to 32767', label USING ERRCODE = 'QB001';
    END IF;
    IF link.queue IS NULL AND schedule.options ? 'queue' THEN
        RAISE EXCEPTION '%: queue is a queue''s name', label USING ERRCODE = 'QB001';
    END IF;
    IF schedule_type IS NULL OR schedule_type NOT IN ('once', 'minutes', 'hourly', 'daily', 'weekly', 'biweekly',
                                                      'monthly', 'bimonthly', 'quarterly', 'yearly', 'cron') THEN
        RAISE EXCEPTION '%: the type is once, minutes, hourly, daily, weekly, biweekly, monthly, bimonthly, '
            'quarterly, yearly or cron, not %', label, coalesce(schedule_type, 'NULL') USING ERRCODE = 'QB001';
    END IF;
    IF (schedule_type = 'minutes') <> (schedule.minutes IS NOT NULL) OR schedule.minutes <= 0 THEN
        RAISE EXCEPTION '%: minutes (a whole number from 1) goes with the type minutes, and only with it', label
            USING ERRCODE = 'QB001';
    END IF;
    IF (schedule_type = 'cron') <> (schedule.cron IS NOT NULL) THEN
        RAISE EXCEPTION '%: cron (an expression such as "0 3 * * *") goes with the type cron, and only with it', label
            USING ERRCODE = 'QB001';
    END IF;
    IF schedule.cron IS NOT NULL THEN
        PERFORM baton.parse_cron(schedule.cron);
    END IF;
    BEGIN
        PERFORM now() AT TIME ZONE schedule.time_zone;
    EXCEPTION WHEN invalid_parameter_value OR null_value_not_allowed THEN
        RAISE EXCEPTION '%: "%" is no time zone PostgreSQL knows (such as UTC or Europe/Paris)', label,
            left(coalesce(schedule.time_zone, 'NULL'), 100) USING ERRCODE = 'QB001';
    END;
    IF schedule.time_zone IS NULL THEN
        RAISE EXCEPTION '%: the time zone is missing', label USING ERRCODE = 'QB001';
    END IF;
    IF schedule.repeats IS NULL OR schedule.repeats < -1 THEN
        RAISE EXCEPTION '%: repeats is -1 (for ever), 0 (never) or a number of runs', label USING ERRCODE = 'QB001';
    END IF;
    first_run := coalesce(schedule.next_run,
                          CASE WHEN schedule.cron IS NOT NULL THEN baton.cron_next(schedule.cron, schedule.time_zone, now())
                               ELSE now() END);
    IF first_run IS NULL THEN
        RAISE EXCEPTION '%: the cron expression "%" matches no time in the next five years', label, left(schedule.cron, 100)
            USING ERRCODE = 'QB001';
    END IF;
    INSERT INTO baton.schedules AS s (name, func, args, kwargs, options, schedule_type, minutes, cron, time_zone,
                                      repeats, catch_up, next_run, anchor)
    VALUES (schedule.name, schedule.func, coalesce(schedule.args, '[]'), coalesce(schedule.kwargs, '{}'),
            coalesce(schedule.options, '{}'), schedule_type, schedule.minutes, schedule.cron, schedule.time_zone,
            schedule.repeats, coalesce(schedule.catch_up, true), first_run, first_run)
    ON CONFLICT ON CONSTRAINT schedules_pkey DO UPDATE
    SET func = excluded.func, args = excluded.args, kwargs = excluded.kwargs, options = excluded.options,
        catch_up = excluded.catch_up, updated_at = now(), failure = NULL,
        (schedule_type, minutes, cron, time_zone, repeats, next_run, anchor, paused) =
            (SELECT excluded.schedule_type, excluded.minutes, excluded.cron, excluded.time_zone,
                    CASE WHEN same THEN s.repeats ELSE excluded.repeats END,
                    CASE WHEN same THEN s.next_run ELSE excluded.next_run END,
                    CASE WHEN same THEN s.anchor ELSE excluded.anchor END,
                    CASE WHEN same THEN s.paused ELSE false END
             FROM (SELECT schedule.next_run IS NULL
                          AND (s.schedule_type, s.minutes, s.cron, s.time_zone)
                              IS NOT DISTINCT FROM (excluded.schedule_type, excluded.minutes, excluded.cron,
                                                    excluded.time_zone) AS same) AS timing)
    RETURNING s.* INTO stored;
    RETURN stored;
END $$;
