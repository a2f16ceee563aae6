-- Marks a cluster alive (registering it when new) and extends by `lease` the leases of the
-- tasks in `held` that it still owns (primary key). Skips rows locked by a completion: they
-- are leaving the queue, and waiting for them could deadlock with the batch. Returns how
-- many leases it extended.
CREATE OR REPLACE FUNCTION baton.cluster_heartbeat(
    cluster_name text, worker_count integer, function_names text[], lease interval, held uuid[]
) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    extended bigint;
BEGIN
    INSERT INTO baton.clusters (name, workers, functions, lease)
    VALUES (cluster_name, worker_count, function_names, lease)
    ON CONFLICT (name) DO UPDATE
    SET seen_at = now(), workers = excluded.workers, functions = excluded.functions, lease = excluded.lease;
    UPDATE baton.tasks SET lease_expires_at = now() + lease
    WHERE id IN (SELECT id FROM baton.tasks
                 WHERE id = ANY (held) AND state = 'running' AND lease_owner = cluster_name
                 FOR UPDATE SKIP LOCKED);
    GET DIAGNOSTICS extended = ROW_COUNT;
    RETURN extended;
END $$;
