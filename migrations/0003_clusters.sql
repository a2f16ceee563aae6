-- The clusters that run tasks, for `baton info`: each registers when it starts, beats while
-- it runs, and removes its row when it stops cleanly. The heartbeat also prunes the cache.

CREATE TABLE baton.clusters (
    -- host:pid:xxxx, as in baton.tasks.lease_owner and baton.results.worker.
    name       text PRIMARY KEY,
    workers    integer NOT NULL CHECK (workers > 0),
    functions  text[] NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    seen_at    timestamptz NOT NULL DEFAULT now()
);

-- A cluster's heartbeat: marks it seen (registering it when new) and deletes expired
-- cached results (cached_results_expiry). Returns how many cached results it deleted.
CREATE FUNCTION baton.cluster_heartbeat(cluster_name text, worker_count integer, function_names text[])
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    pruned bigint;
BEGIN
    INSERT INTO baton.clusters (name, workers, functions) VALUES (cluster_name, worker_count, function_names)
    ON CONFLICT (name) DO UPDATE SET seen_at = now(), workers = excluded.workers, functions = excluded.functions;
    WITH expired AS (DELETE FROM baton.cached_results WHERE expires_at <= now() RETURNING 1)
    SELECT count(*) INTO pruned FROM expired;
    RETURN pruned;
END $$;
