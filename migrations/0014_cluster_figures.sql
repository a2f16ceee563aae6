-- What `baton info` shows of each cluster, as django-q's qinfo and qmemory: the tasks it has
-- finished and its memory (resident set size), sent with each heartbeat; its uptime comes
-- from started_at.

ALTER TABLE baton.clusters ADD COLUMN finished bigint NOT NULL DEFAULT 0 CHECK (finished >= 0);
ALTER TABLE baton.clusters ADD COLUMN rss_bytes bigint CHECK (rss_bytes >= 0);

-- A cluster's heartbeat: marks it alive (registering it when new) with its figures, and
-- extends by `lease` the leases of the tasks in `held` that it still owns (primary key),
-- skipping rows locked by a completion (they are leaving the queue, and waiting for them
-- could deadlock with the batch). Returns the tasks whose leases it extended, so that the
-- cluster knows which it may still start. baton.cluster_heartbeat (0009), which returns only
-- a count, stays for clusters of the previous release during an upgrade.
CREATE FUNCTION baton.heartbeat(
    cluster_name text, worker_count integer, function_names text[], lease interval, held uuid[],
    finished bigint, rss_bytes bigint
) RETURNS SETOF uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
BEGIN
    INSERT INTO baton.clusters (name, workers, functions, lease, finished, rss_bytes)
    VALUES (cluster_name, worker_count, function_names, lease, coalesce(finished, 0), rss_bytes)
    ON CONFLICT (name) DO UPDATE
    SET seen_at = now(), workers = excluded.workers, functions = excluded.functions, lease = excluded.lease,
        finished = excluded.finished, rss_bytes = coalesce(excluded.rss_bytes, clusters.rss_bytes);
    RETURN QUERY
    WITH renewed AS (
        UPDATE baton.tasks SET lease_expires_at = now() + heartbeat.lease
        WHERE id IN (SELECT t.id FROM baton.tasks AS t
                     WHERE t.id = ANY (held) AND t.state = 'running' AND t.lease_owner = cluster_name
                     FOR UPDATE SKIP LOCKED)
        RETURNING baton.tasks.id
    )
    SELECT renewed.id FROM renewed;
END $$;

-- baton.grant_roles of 0010, with what 0011, 0013 and this migration added: baton_enqueue
-- runs baton.async_iter, baton_worker baton.vanished_tasks and baton.heartbeat.
CREATE OR REPLACE FUNCTION baton.grant_roles() RETURNS SETOF text
LANGUAGE plpgsql SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    role_name text;
    routine regprocedure;
BEGIN
    FOR routine IN SELECT p.oid FROM pg_proc AS p WHERE p.pronamespace = 'baton'::regnamespace LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', routine);
    END LOOP;
    FOREACH role_name IN ARRAY ARRAY['baton_enqueue', 'baton_worker', 'baton_read'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
            EXCEPTION
                WHEN insufficient_privilege THEN
                    RETURN NEXT role_name;
                    CONTINUE;
                -- Another database's migration made it at the same moment: roles span the server.
                WHEN duplicate_object OR unique_violation THEN
                    NULL;
            END;
        END IF;
        EXECUTE format('GRANT USAGE ON SCHEMA baton TO %I', role_name);
    END LOOP;

    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'baton_enqueue') THEN
        GRANT EXECUTE ON FUNCTION
            baton.async_task(text, jsonb, jsonb, text, interval, text, integer, integer, interval, interval, boolean),
            baton.async_tasks(jsonb, text, interval, integer, integer, interval, interval, boolean),
            baton.async_chain(jsonb, text, interval, text, integer, interval, interval, boolean),
            baton.async_iter(text, jsonb, interval, integer, integer, interval, interval, boolean),
            baton.join_group(text, text), baton.is_open_group(text)
        TO baton_enqueue;
        -- The Swift API writes a task of no group with one INSERT, and many with COPY.
        GRANT INSERT ON baton.tasks TO baton_enqueue;
        DROP POLICY IF EXISTS enqueue_new_tasks ON baton.tasks;
        CREATE POLICY enqueue_new_tasks ON baton.tasks FOR INSERT TO baton_enqueue
        WITH CHECK (state = 'queued' AND attempts = 0 AND lease_owner IS NULL AND lease_expires_at IS NULL
                    AND started_at IS NULL AND lost_leases = 0 AND errors = '{}' AND chain_position IS NULL
                    AND (group_id IS NULL OR baton.is_open_group(group_id)));
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'baton_worker') THEN
        GRANT EXECUTE ON FUNCTION
            baton.claim_tasks(text[], integer, text, interval),
            baton.complete_task(uuid, text, boolean, jsonb, text),
            baton.complete_tasks(text, jsonb, text[], interval),
            baton.release_task(uuid, text), baton.release_tasks(uuid[], text),
            baton.cluster_heartbeat(text, integer, text[], interval, uuid[]),
            baton.heartbeat(text, integer, text[], interval, uuid[], bigint, bigint),
            baton.rescue_expired_task(), baton.prune_expired(), baton.next_due(text[]), baton.leave_cluster(text),
            baton.vanished_tasks(uuid[])
        TO baton_worker;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'baton_read') THEN
        GRANT SELECT ON baton.tasks, baton.results, baton.cached_results, baton.groups, baton.clusters,
                        baton.all_results, baton.chain_status, baton.function_stats, baton.schema_migrations
        TO baton_read;
        DROP POLICY IF EXISTS read_tasks ON baton.tasks;
        CREATE POLICY read_tasks ON baton.tasks FOR SELECT TO baton_read USING (true);
    END IF;
END $$;

-- The roles that exist already get it now.
SELECT baton.grant_roles();

SELECT baton.grant_roles();

SELECT baton.grant_roles();

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
