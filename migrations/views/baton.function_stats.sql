-- Per function, chain links cancelled before they ran (a link before them failed) are counted
-- apart: they are neither tasks that ran nor failures of their function.
CREATE OR REPLACE VIEW baton.function_stats AS
SELECT func,
       count(*) FILTER (WHERE worker IS NOT NULL) AS tasks,
       count(*) FILTER (WHERE NOT success AND worker IS NOT NULL) AS failures,
       round((avg(extract(epoch FROM stopped_at - started_at)) * 1000)::numeric, 3) AS mean_ms,
       round((percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM stopped_at - started_at)) * 1000)::numeric, 3)
           AS p95_ms,
       max(stopped_at) AS last_stopped_at,
       count(*) FILTER (WHERE worker IS NULL) AS cancelled
FROM baton.all_results
GROUP BY func;
