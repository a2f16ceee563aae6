-- The queue's tasks counted by queue, function and state (`delayed`: queued but not due
-- yet), with the oldest due task's time and whether a live cluster serves that function in
-- that queue: what /metrics reports cluster-wide, wherever the tasks were enqueued from. A
-- scan of baton.tasks, the small table of unfinished work.
CREATE OR REPLACE VIEW baton.task_counts AS
WITH counts AS (
    SELECT t.queue, t.func,
           CASE WHEN t.state = 'queued' AND t.run_at > now() THEN 'delayed' ELSE t.state END AS state,
           count(*) AS tasks,
           min(t.run_at) FILTER (WHERE t.state = 'queued' AND t.run_at <= now()) AS oldest_due
    FROM baton.tasks AS t
    GROUP BY 1, 2, 3
)
SELECT counts.queue, counts.func, counts.state, counts.tasks, counts.oldest_due,
       EXISTS (SELECT 1 FROM baton.clusters AS c
               WHERE c.seen_at > now() - 3 * c.lease AND counts.func = ANY (c.functions)
                 AND c.queues ? counts.queue) AS served
FROM counts;
