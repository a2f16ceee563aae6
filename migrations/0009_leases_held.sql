-- Leases renewed only for the work a cluster still holds, a rescuer that works behind a
-- transaction pooler, silent clusters forgotten, notifications that always fit, and a
-- fixed search_path on every function.
-- (Until 0019 this file also defined its functions; their current definitions are in
-- functions/, views/ and triggers/, applied by the migrator after the numbered files.)

-- Each cluster's lease, so that the rescuer knows when a silent cluster is gone.
ALTER TABLE baton.clusters ADD COLUMN lease interval NOT NULL DEFAULT '30 seconds' CHECK (lease > interval '0');

-- The heartbeat now names the tasks the cluster still holds, in a fifth argument.
DROP FUNCTION IF EXISTS baton.cluster_heartbeat(text, integer, text[], interval);
