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

-- How long until the earliest queued task of these functions may run, in seconds by the
-- database's clock; NULL when none is queued (tasks_claim_order).
CREATE FUNCTION baton.next_due(functions text[]) RETURNS double precision
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
    SELECT extract(epoch FROM min(run_at) - clock_timestamp())::float8
    FROM baton.tasks WHERE state = 'queued' AND func = ANY (functions)
$$;

-- A cluster that stops leaves baton.clusters (primary key).
CREATE FUNCTION baton.leave_cluster(cluster_name text) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
    DELETE FROM baton.clusters WHERE name = cluster_name
$$;

-- Whether `group_name` is a group that tasks may join (not a chain), for the row policy of
-- baton_enqueue's inserts (groups primary key).
CREATE FUNCTION baton.is_open_group(group_name text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
    SELECT coalesce((SELECT kind = 'group' FROM baton.groups WHERE id = group_name), false)
$$;

-- The enqueue and worker functions run with their owner's rights.
ALTER FUNCTION baton.async_task(text, jsonb, jsonb, text, interval, text, integer, integer, interval, interval, boolean)
    SECURITY DEFINER;
ALTER FUNCTION baton.async_tasks(jsonb, text, interval, integer, integer, interval, interval, boolean) SECURITY DEFINER;
ALTER FUNCTION baton.async_chain(jsonb, text, interval, text, integer, interval, interval, boolean) SECURITY DEFINER;
ALTER FUNCTION baton.join_group(text, text) SECURITY DEFINER;
ALTER FUNCTION baton.claim_tasks(text[], integer, text, interval) SECURITY DEFINER;
ALTER FUNCTION baton.complete_task(uuid, text, boolean, jsonb, text) SECURITY DEFINER;
ALTER FUNCTION baton.complete_tasks(text, jsonb, text[], interval) SECURITY DEFINER;
ALTER FUNCTION baton.release_task(uuid, text) SECURITY DEFINER;
ALTER FUNCTION baton.release_tasks(uuid[], text) SECURITY DEFINER;
ALTER FUNCTION baton.cluster_heartbeat(text, integer, text[], interval, uuid[]) SECURITY DEFINER;
ALTER FUNCTION baton.rescue_expired_task() SECURITY DEFINER;
ALTER FUNCTION baton.prune_expired() SECURITY DEFINER;

-- Row security on the queue: the owner (and the functions running as it) is not bound by it;
-- baton_enqueue may insert only what the enqueue functions write, baton_read may read.
ALTER TABLE baton.tasks ENABLE ROW LEVEL SECURITY;

-- Creates the roles that are missing when this role may (CREATEROLE), grants each role what it
-- needs, and takes EXECUTE on Baton's functions from PUBLIC (every role, by default). Safe to
-- run again: the migrator runs it after every migration. Returns the roles still missing.
CREATE FUNCTION baton.grant_roles() RETURNS SETOF text
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
            baton.rescue_expired_task(), baton.prune_expired(), baton.next_due(text[]), baton.leave_cluster(text)
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
