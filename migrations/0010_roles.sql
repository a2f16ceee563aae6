-- Least privilege: three roles a DBA grants to login roles, and functions that run with
-- their owner's rights so that no role needs to read or write the queue directly.
--
--   baton_enqueue  enqueue (baton.async_task, async_tasks, async_chain; the Swift API's
--                  INSERT and COPY of new queued tasks, limited by a row policy); reads nothing
--   baton_worker   claim, complete, release, heartbeat, rescue (a cluster's functions)
--   baton_read     read tasks, results, groups, clusters and the report views
--
-- The owner (the role that migrates) keeps everything. baton.grant_roles() makes the roles
-- when it may and grants what each needs; the migrator calls it after every migration.
-- (Until 0019 this file also defined its functions; their current definitions are in
-- functions/, views/ and triggers/, applied by the migrator after the numbered files.)

-- Row security on the queue: the owner (and the functions running as it) is not bound by it;
-- baton_enqueue may insert only what the enqueue functions write, baton_read may read.
ALTER TABLE baton.tasks ENABLE ROW LEVEL SECURITY;
