-- Every queue that has work, a setting, or a cluster serving it: its tasks by state
-- (`delayed`: queued but not due yet), whether it is paused, its running limit, and the
-- live clusters serving it with their workers. A queue with work and no `workers` is one
-- no running cluster serves: its tasks wait for one.
CREATE OR REPLACE VIEW baton.queue_status AS
WITH work AS (
    SELECT queue,
           count(*) FILTER (WHERE state = 'queued' AND run_at <= now()) AS queued,
           count(*) FILTER (WHERE state = 'queued' AND run_at > now()) AS delayed,
           count(*) FILTER (WHERE state = 'running') AS running,
           count(*) FILTER (WHERE state = 'waiting') AS waiting,
           min(run_at) FILTER (WHERE state = 'queued' AND run_at <= now()) AS oldest_due
    FROM baton.tasks GROUP BY queue
), served AS (
    SELECT served.key AS queue, count(*) AS clusters, sum(served.value::integer) AS workers
    FROM baton.clusters AS c CROSS JOIN LATERAL jsonb_each_text(c.queues) AS served
    WHERE c.seen_at > now() - 3 * c.lease
    GROUP BY served.key
), names AS (
    SELECT queue FROM work UNION SELECT name FROM baton.queues UNION SELECT queue FROM served
)
SELECT names.queue,
       coalesce(work.queued, 0) AS queued, coalesce(work.delayed, 0) AS delayed,
       coalesce(work.running, 0) AS running, coalesce(work.waiting, 0) AS waiting,
       work.oldest_due,
       coalesce(q.paused, false) AS paused, q.running_limit,
       coalesce(served.clusters, 0) AS clusters, coalesce(served.workers, 0) AS workers
FROM names
LEFT JOIN work ON work.queue = names.queue
LEFT JOIN baton.queues AS q ON q.name = names.queue
LEFT JOIN served ON served.queue = names.queue;
