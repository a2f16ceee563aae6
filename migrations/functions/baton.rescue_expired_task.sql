-- Rescues one task whose lease expired (tasks_lease_expiry; SKIP LOCKED): back to the queue,
-- or failed after its 5th lost lease. A lease lost to a restart of the database (the attempt
-- began before the server started) does not count: no worker could record the outcome, the
-- task is not to blame. Returns its id, or NULL when none is expired or
-- another process is rescuing. One task per call, so that each rescue is one transaction
-- with one notification. The rescuers' lock lasts for this transaction only: a session lock
-- taken and released by separate statements leaks behind a transaction pooler.
CREATE OR REPLACE FUNCTION baton.rescue_expired_task() RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    lost baton.tasks;
    reason text;
    counted boolean;
BEGIN
    -- "batonres" in ASCII.
    IF NOT pg_try_advisory_xact_lock(7089075310401054067) THEN
        RETURN NULL;
    END IF;
    SELECT * INTO lost FROM baton.tasks
    WHERE state = 'running' AND lease_expires_at < now()
    ORDER BY lease_expires_at
    LIMIT 1
    FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    counted := lost.started_at IS NULL OR lost.started_at >= pg_postmaster_start_time();
    reason := format('the lease of %s expired during attempt %s%s', lost.lease_owner, lost.attempts,
                     CASE WHEN NOT counted THEN ' (the database restarted meanwhile)' ELSE '' END);
    IF NOT counted OR lost.lost_leases + 1 < 5 THEN
        UPDATE baton.tasks
        SET state = 'queued', attempts = attempts - 1, lost_leases = lost_leases + CASE WHEN counted THEN 1 ELSE 0 END,
            lease_owner = NULL,
            lease_expires_at = NULL, started_at = NULL, run_at = now(), errors = errors || reason
        WHERE id = lost.id;
        PERFORM pg_notify('baton', 'queued');
    ELSE
        -- Failed for good, whatever attempts it has left: recorded as any failure is.
        UPDATE baton.tasks SET max_attempts = greatest(attempts, 1) WHERE id = lost.id;
        PERFORM FROM baton.complete_tasks(
            lost.lease_owner,
            jsonb_build_array(jsonb_build_object('id', lost.id, 'ok', false, 'error',
                format('%s; the lease was lost 5 times, so the task may crash its workers', reason))),
            '{}', interval '0');
    END IF;
    RETURN lost.id;
END $$;
