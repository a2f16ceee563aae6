-- The dashboard's lists, paged by keyset at any size of history: failures newest first
-- (a partial index: recording a success writes nothing more), and chains and groups newest
-- first (one more index entry per group made).
CREATE INDEX results_failed ON baton.results (id) WHERE NOT success;
CREATE INDEX groups_created ON baton.groups (created_at, id);
