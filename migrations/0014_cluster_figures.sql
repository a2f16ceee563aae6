-- What `baton info` shows of each cluster, as django-q's qinfo and qmemory: the tasks it has
-- finished and its memory (resident set size), sent with each heartbeat; its uptime comes
-- from started_at (functions/baton.heartbeat.sql).
-- (Until 0019 this file also defined its functions; their current definitions are in
-- functions/, views/ and triggers/, applied by the migrator after the numbered files.)

ALTER TABLE baton.clusters ADD COLUMN finished bigint NOT NULL DEFAULT 0 CHECK (finished >= 0);
ALTER TABLE baton.clusters ADD COLUMN rss_bytes bigint CHECK (rss_bytes >= 0);
