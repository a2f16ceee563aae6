-- Views for reports: every result, each chain's progress, each function's statistics.

-- Every finished task, stored or cached (unexpired): what result calls read.
CREATE VIEW baton.all_results AS
    SELECT id, name, func, args, kwargs, result, error, success, group_id, chain_position, attempts,
           worker, enqueued_at, started_at, stopped_at, false AS cached, errors
    FROM baton.results
    UNION ALL
    SELECT id, name, func, args, kwargs, result, error, success, group_id, chain_position, attempts,
           worker, enqueued_at, started_at, stopped_at, true AS cached, errors
    FROM baton.cached_results
    WHERE expires_at > now();

-- One row per chain: how far it got and how it ended.
CREATE VIEW baton.chain_status AS
SELECT g.id AS group_id,
       g.length,
       coalesce(r.done, 0) AS links_done,
       coalesce(r.failed, 0) AS links_failed,
       t.position_running,
       CASE
           WHEN coalesce(r.done, 0) >= g.length THEN CASE WHEN r.failed > 0 THEN 'failed' ELSE 'done' END
           WHEN t.position_running IS NOT NULL OR coalesce(r.done, 0) > 0 THEN 'running'
           ELSE 'queued'
       END AS state,
       g.failure_policy,
       g.created_at AS enqueued_at,
       least(r.started_at, t.started_at) AS started_at,
       g.finished_at
FROM baton.groups AS g
LEFT JOIN LATERAL (
    SELECT count(*) AS done, count(*) FILTER (WHERE NOT success) AS failed, min(started_at) AS started_at
    FROM baton.all_results WHERE group_id = g.id
) AS r ON true
LEFT JOIN LATERAL (
    SELECT min(chain_position) FILTER (WHERE state = 'running') AS position_running, min(started_at) AS started_at
    FROM baton.tasks WHERE group_id = g.id
) AS t ON true
WHERE g.kind = 'chain';

-- Per function: how many ran, how many failed, and how long they took (milliseconds).
CREATE VIEW baton.function_stats AS
SELECT func,
       count(*) AS tasks,
       count(*) FILTER (WHERE NOT success) AS failures,
       round((avg(extract(epoch FROM stopped_at - started_at)) * 1000)::numeric, 3) AS mean_ms,
       round((percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM stopped_at - started_at)) * 1000)::numeric, 3)
           AS p95_ms,
       max(stopped_at) AS last_stopped_at
FROM baton.all_results
GROUP BY func;
