-- Marks a cluster alive (registering it when new), with what `baton info` shows of it, and
-- renews the leases of the tasks in `held` it still owns, found by primary key whatever the
-- statistics say: "running" written as "has a lease" (no partial index answers it; with
-- `state = 'running'` the planner could read every running task in tasks_lease_expiry).
CREATE OR REPLACE FUNCTION baton.heartbeat(
    cluster_name text, worker_count integer, function_names text[], lease interval, held uuid[],
    finished bigint, rss_bytes bigint
) RETURNS SETOF uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
BEGIN
    INSERT INTO baton.clusters (name, workers, functions, lease, finished, rss_bytes)
    VALUES (cluster_name, worker_count, function_names, lease, coalesce(finished, 0), rss_bytes)
    ON CONFLICT (name) DO UPDATE
    SET seen_at = now(), workers = excluded.workers, functions = excluded.functions, lease = excluded.lease,
        finished = excluded.finished, rss_bytes = coalesce(excluded.rss_bytes, clusters.rss_bytes);
    RETURN QUERY
    WITH renewed AS (
        UPDATE baton.tasks SET lease_expires_at = now() + heartbeat.lease
        WHERE id IN (SELECT t.id FROM baton.tasks AS t
                     WHERE t.id = ANY (held) AND t.lease_expires_at IS NOT NULL AND t.lease_owner = cluster_name
                     FOR UPDATE SKIP LOCKED)
        RETURNING baton.tasks.id
    )
    SELECT renewed.id FROM renewed;
END $$;
