-- Enqueues a schedule's task now, by hand, whatever its next run (which stays as it is; a
-- paused schedule too). Recorded among its runs as due now, fired by `run-now`. Returns the
-- task's id; raises (QB001) when there is no such schedule.
CREATE OR REPLACE FUNCTION baton.run_schedule_now(name text) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    s baton.schedules;
    task_id uuid := baton.new_id();
BEGIN
    SELECT * INTO s FROM baton.schedules AS q WHERE q.name = run_schedule_now.name FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'baton.run_schedule_now: there is no schedule "%"', left(run_schedule_now.name, 100)
            USING ERRCODE = 'QB001';
    END IF;
    INSERT INTO baton.schedule_runs (schedule, due_at, task_id, fired_by) VALUES (s.name, now(), task_id, 'run-now');
    PERFORM baton.enqueue_scheduled(s, task_id);
    RETURN task_id;
END $$;
