-- Hands leased tasks back to the queue unrun (their cluster is stopping), as if their
-- attempts had not begun. Returns how many `owner` still held.
CREATE OR REPLACE FUNCTION baton.release_tasks(task_ids uuid[], owner text)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    released integer;
BEGIN
    UPDATE baton.tasks
    SET state = 'queued', attempts = attempts - 1, lease_owner = NULL, lease_expires_at = NULL, started_at = NULL
    WHERE id = ANY (task_ids) AND state = 'running' AND lease_owner = owner;
    GET DIAGNOSTICS released = ROW_COUNT;
    IF released > 0 THEN
        PERFORM pg_notify('baton', 'queued');
    END IF;
    RETURN released;
END $$;
