-- Fires the due schedules no other caller is firing (FOR UPDATE SKIP LOCKED: no leader, any
-- number of clusters), at most `batch` schedules and 1,000 due times each per call. For each
-- due time: records it in baton.schedule_runs, whose primary key refuses it a second time,
-- and enqueues its task only when that record is new; then advances `next_run` to the next
-- due time (with `catch_up` off, the first one still ahead), counts the run against
-- `repeats`, and keeps the schedule's last 100 runs. All in the caller's transaction, so a
-- due time is fired once or, rolled back, not at all. A schedule whose task cannot be
-- enqueued is paused, its reason in `failure`; the others fire on. Returns how many tasks it enqueued and
-- the seconds until the earliest schedule is due (NULL: none is).
CREATE OR REPLACE FUNCTION baton.fire_schedules(owner text, batch integer DEFAULT 100)
RETURNS TABLE (fired integer, next_due double precision)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    s baton.schedules;
    due timestamptz;
    task_id uuid;
    count_here integer;
    total integer := 0;
BEGIN
    FOR s IN
        SELECT * FROM baton.schedules AS q
        WHERE q.next_run <= now() AND NOT q.paused AND q.repeats <> 0
        ORDER BY q.next_run LIMIT batch
        FOR UPDATE SKIP LOCKED
    LOOP
        BEGIN
            due := s.next_run;
            count_here := 0;
            WHILE due IS NOT NULL AND due <= now() AND s.repeats <> 0 AND count_here < 1000 LOOP
                task_id := baton.new_id();
                INSERT INTO baton.schedule_runs (schedule, due_at, task_id, fired_by)
                VALUES (s.name, due, task_id, owner)
                ON CONFLICT DO NOTHING;
                IF FOUND THEN
                    PERFORM baton.enqueue_scheduled(s, task_id);
                    count_here := count_here + 1;
                    s.runs := s.runs + 1;
                    s.last_run := due;
                    IF s.repeats > 0 THEN
                        s.repeats := s.repeats - 1;
                    END IF;
                END IF;
                due := baton.schedule_next(s, CASE WHEN s.catch_up THEN due ELSE greatest(due, now()) END);
            END LOOP;
            UPDATE baton.schedules AS q
            SET next_run = coalesce(due, q.next_run), runs = s.runs, last_run = s.last_run,
                repeats = CASE WHEN due IS NULL THEN 0 ELSE s.repeats END
            WHERE q.name = s.name;
            DELETE FROM baton.schedule_runs AS r
            WHERE r.schedule = s.name
              AND r.due_at < (SELECT k.due_at FROM baton.schedule_runs AS k WHERE k.schedule = s.name
                              ORDER BY k.due_at DESC OFFSET 99 LIMIT 1);
        EXCEPTION WHEN data_exception OR integrity_constraint_violation OR SQLSTATE 'QB001' OR SQLSTATE 'QB002' THEN
            -- Its task cannot be enqueued (a function or option the queue refuses): this
            -- schedule is paused with the reason, its due times left unfired, and the others
            -- fire on. Other errors (the database going away) roll the whole call back.
            count_here := 0;
            UPDATE baton.schedules AS q SET paused = true, failure = left(SQLERRM, 2000), updated_at = now()
            WHERE q.name = s.name;
        END;
        total := total + count_here;
    END LOOP;
    RETURN QUERY
    SELECT total, (SELECT extract(epoch FROM min(q.next_run) - clock_timestamp())::float8
                   FROM baton.schedules AS q WHERE NOT q.paused AND q.repeats <> 0);
END $$;
