-- Marks a cluster alive (registering it when new), with what `baton info` shows of it, and
-- renews the leases of the tasks in `held` it still owns, found by primary key whatever the
-- statistics say: "running" written as "has a lease" (no partial index answers it; with
-- `state = 'running'` the planner could read every running task in tasks_lease_expiry).
-- `queue_workers` is the queues it serves and the workers of each ({"default": 4}); NULL,
-- from a cluster of a release before 0020, is all its workers on `default`.
-- Its signature before 0020, without `queue_workers`.
DROP FUNCTION IF EXISTS baton.heartbeat(text, integer, text[], interval, uuid[], bigint, bigint);
CREATE OR REPLACE FUNCTION baton.heartbeat(
    cluster_name text, worker_count integer, function_names text[], lease interval, held uuid[],
    finished bigint, rss_bytes bigint, queue_workers jsonb DEFAULT NULL
) RETURNS SETOF uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
BEGIN
    INSERT INTO baton.clusters (name, workers, functions, lease, finished, rss_bytes, queues)
    VALUES (cluster_name, worker_count, function_names, lease, coalesce(finished, 0), rss_bytes,
            coalesce(queue_workers, jsonb_build_object('default', worker_count)))
    ON CONFLICT (name) DO UPDATE
    SET seen_at = now(), workers = excluded.workers, functions = excluded.functions, lease = excluded.lease,
        finished = excluded.finished, rss_bytes = coalesce(excluded.rss_bytes, clusters.rss_bytes),
        queues = excluded.queues;
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
