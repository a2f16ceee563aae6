-- The cluster-wide figures /metrics reports, read from the database so that work enqueued
-- from any language counts: tasks by queue, function and state (baton.task_counts), the age
-- of each queue's oldest due task, due tasks no live cluster serves (their function in their
-- queue), paused queues, live clusters, and unfinished chains by the state of their current
-- link. One row per sample; labels a row does not have are NULL. Scans baton.tasks, the
-- small table of unfinished work, twice.
CREATE OR REPLACE FUNCTION baton.metrics()
RETURNS TABLE (metric text, queue text, func text, state text, value float8)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
    WITH counts AS (SELECT * FROM baton.task_counts)
    SELECT 'queue_tasks', c.queue, c.func, c.state, c.tasks::float8 FROM counts AS c
    UNION ALL
    SELECT 'queue_oldest_task_age_seconds', c.queue, NULL, NULL,
           coalesce(extract(epoch FROM now() - min(c.oldest_due)), 0)::float8
    FROM counts AS c GROUP BY c.queue
    UNION ALL
    SELECT 'unclaimable_tasks', c.queue, c.func, NULL, sum(c.tasks)::float8
    FROM counts AS c WHERE c.state = 'queued' AND NOT c.served GROUP BY c.queue, c.func
    UNION ALL
    SELECT 'queue_paused', q.name, NULL, NULL, 1 FROM baton.queues AS q WHERE q.paused
    UNION ALL
    SELECT 'clusters_alive', NULL, NULL, NULL, count(*)::float8
    FROM baton.clusters AS c WHERE c.seen_at > now() - 3 * c.lease
    UNION ALL
    SELECT 'chains', NULL, NULL, t.state, count(DISTINCT t.group_id)::float8
    FROM baton.tasks AS t WHERE t.chain_position IS NOT NULL AND t.state <> 'waiting' GROUP BY t.state
$$;
