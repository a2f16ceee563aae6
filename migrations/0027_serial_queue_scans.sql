-- A scan of the whole queue table (the dashboard's and baton.metrics()'s counts, `baton info`)
-- runs in its own backend, never with parallel workers: on a database that also runs the
-- queue, two workers that read baton.tasks for a count take the cores that claim and complete
-- its tasks, and spend twice the CPU time of the one backend doing it alone (a count of
-- 100,000 queued tasks: 120 ms of CPU in three processes against 70 ms in one).
ALTER TABLE baton.tasks SET (parallel_workers = 0);
