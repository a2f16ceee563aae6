-- Creates the roles that are missing when this role may (CREATEROLE), grants each role what
-- it needs, and takes EXECUTE on Baton's functions from PUBLIC (every role, by default).
-- Grants each role its functions by name, whatever their arguments, so that a function
-- whose signature changes needs nothing here. Safe to run again: the migrator runs it after
-- every migration that applied a function. Returns the roles still missing. Steering queues
-- (baton.steer_queue, pause_queue, resume_queue, limit_queue) and schedules beyond making them
-- (baton.steer_schedule, run_schedule_now) is left to the schema's owner.
CREATE OR REPLACE FUNCTION baton.grant_roles() RETURNS SETOF text
LANGUAGE plpgsql SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    role_name text;
    routine regprocedure;
    -- What each role may call.
    enqueue_functions text[] := ARRAY['async_task', 'async_tasks', 'async_chain', 'async_iter', 'join_group',
                                      'is_open_group', 'schedule'];
    worker_functions text[] := ARRAY['claim_tasks', 'complete_task', 'complete_tasks', 'release_task',
                                     'release_tasks', 'cluster_heartbeat', 'heartbeat', 'rescue_expired_task',
                                     'prune_expired', 'next_due', 'leave_cluster', 'vanished_tasks', 'await_work',
                                     'await_enqueuers', 'fire_schedules', 'prune_results', 'metrics',
                                     'shared_metrics'];
    -- A cluster's /metrics, and a reader's, report the cluster-wide figures.
    read_functions text[] := ARRAY['metrics', 'shared_metrics'];
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
        FOR routine IN
            SELECT p.oid FROM pg_proc AS p
            WHERE p.pronamespace = 'baton'::regnamespace
              AND p.proname = ANY (CASE role_name WHEN 'baton_enqueue' THEN enqueue_functions
                                                  WHEN 'baton_worker' THEN worker_functions
                                                  WHEN 'baton_read' THEN read_functions END)
        LOOP
            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', routine, role_name);
        END LOOP;
    END LOOP;

    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'baton_enqueue') THEN
        -- The Swift API writes a task of no group with one INSERT, and many with COPY.
        GRANT INSERT ON baton.tasks TO baton_enqueue;
        DROP POLICY IF EXISTS enqueue_new_tasks ON baton.tasks;
        CREATE POLICY enqueue_new_tasks ON baton.tasks FOR INSERT TO baton_enqueue
        WITH CHECK (state = 'queued' AND attempts = 0 AND lease_owner IS NULL AND lease_expires_at IS NULL
                    AND started_at IS NULL AND lost_leases = 0 AND errors = '{}' AND chain_position IS NULL
                    AND (group_id IS NULL OR baton.is_open_group(group_id)));
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'baton_read') THEN
        GRANT SELECT ON baton.tasks, baton.results, baton.cached_results, baton.groups, baton.clusters,
                        baton.waiting_clusters, baton.queues, baton.all_results, baton.chain_status,
                        baton.function_stats, baton.queue_status, baton.schedules, baton.schedule_runs,
                        baton.schedule_status, baton.schema_migrations, baton.schema_objects, baton.task_counts
        TO baton_read;
        DROP POLICY IF EXISTS read_tasks ON baton.tasks;
        CREATE POLICY read_tasks ON baton.tasks FOR SELECT TO baton_read USING (true);
    END IF;
END $$;
