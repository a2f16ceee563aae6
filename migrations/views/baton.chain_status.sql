-- One row per chain: how far it got and how it ended.
CREATE OR REPLACE VIEW baton.chain_status AS
SELECT g.id AS group_id,
       g.length,
       coalesce(r.done, 0) AS links_done,
       coalesce(r.failed, 0) AS links_failed,
       t.position_running,
       CASE
           WHEN coalesce(r.done, 0) >= g.length THEN CASE WHEN r.failed > 0 THEN 'failed'
                                                          WHEN r.cancelled > 0 THEN 'cancelled' ELSE 'done' END
           WHEN t.position_running IS NOT NULL OR coalesce(r.done, 0) > 0 THEN 'running'
           ELSE 'queued'
       END AS state,
       g.failure_policy,
       g.created_at AS enqueued_at,
       least(r.started_at, t.started_at) AS started_at,
       g.finished_at
FROM baton.groups AS g
LEFT JOIN LATERAL (
    SELECT count(*) AS done, count(*) FILTER (WHERE NOT success AND NOT cancelled) AS failed,
           count(*) FILTER (WHERE cancelled) AS cancelled, min(started_at) AS started_at
    FROM baton.all_results WHERE group_id = g.id
) AS r ON true
LEFT JOIN LATERAL (
    SELECT min(chain_position) FILTER (WHERE state = 'running') AS position_running, min(started_at) AS started_at
    FROM baton.tasks WHERE group_id = g.id
) AS t ON true
WHERE g.kind = 'chain';
