-- Per function, cancelled tasks (by request, or chain links after a failed one) are counted
-- apart: they are not failures of their function, and `tasks` counts the others.
CREATE OR REPLACE VIEW baton.function_stats AS
SELECT func,
       count(*) FILTER (WHERE NOT cancelled) AS tasks,
       count(*) FILTER (WHERE NOT success AND NOT cancelled) AS failures,
       round((avg(extract(epoch FROM stopped_at - started_at)) * 1000)::numeric, 3) AS mean_ms,
       round((percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM stopped_at - started_at)) * 1000)::numeric, 3)
           AS p95_ms,
       max(stopped_at) AS last_stopped_at,
       count(*) FILTER (WHERE cancelled) AS cancelled
FROM baton.all_results
GROUP BY func;
