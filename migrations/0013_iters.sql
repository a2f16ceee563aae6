-- django-q's async_iter: one function over many argument lists, one task each, in a group
-- of kind 'iter' whose result is the list of the tasks' results in the order given.

ALTER TABLE baton.groups DROP CONSTRAINT groups_kind_check;
ALTER TABLE baton.groups ADD CONSTRAINT groups_kind_check CHECK (kind IN ('group', 'chain', 'iter'));

-- A task joins (or creates) a plain group; a chain's or an iter's group takes no other tasks.
CREATE OR REPLACE FUNCTION baton.join_group(group_name text, caller text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    existing text;
BEGIN
    INSERT INTO baton.groups (id, kind) VALUES (group_name, 'group') ON CONFLICT (id) DO NOTHING;
    IF NOT FOUND THEN
        SELECT kind INTO existing FROM baton.groups WHERE id = group_name;
        IF existing <> 'group' THEN
            RAISE EXCEPTION '%: "%" is %, not a group; give the task another group', caller, group_name,
                CASE existing WHEN 'iter' THEN 'an iter' ELSE 'a ' || existing END
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END IF;
END $$;

-- Enqueues `func` once per element of `args_list` (an array of argument arrays; any other
-- element is that task's one argument, as django-q's async_iter takes it), as one group of
-- kind 'iter'. Returns the iter's id. The tasks run side by side; each keeps its place in
-- `chain_position`, for the results' order, and the group's policy is `continue`, so that a
-- failed one cancels none of the others.
CREATE FUNCTION baton.async_iter(
    func text, args_list jsonb, cached interval DEFAULT NULL, priority integer DEFAULT 0,
    max_attempts integer DEFAULT 1, retry_delay interval DEFAULT '1 second', timeout interval DEFAULT NULL,
    notify boolean DEFAULT true
) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    iter_id text := baton.new_id()::text;
BEGIN
    IF func IS NULL OR func = '' THEN
        RAISE EXCEPTION 'baton.async_iter: the function name is missing' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF args_list IS NULL OR jsonb_typeof(args_list) <> 'array' THEN
        RAISE EXCEPTION 'baton.async_iter: args_list must be a JSON array of argument lists, not %',
            coalesce(jsonb_typeof(args_list), 'NULL') USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO baton.groups (id, kind, length, failure_policy)
    VALUES (iter_id, 'iter', jsonb_array_length(args_list), 'continue');
    INSERT INTO baton.tasks (id, name, func, args, kwargs, group_id, chain_position, cache_ttl, priority,
                             max_attempts, retry_delay, timeout)
    SELECT baton.new_id(), func, func,
           CASE WHEN jsonb_typeof(element) = 'array' THEN element ELSE jsonb_build_array(element) END, '{}',
           iter_id, ordinal - 1, cached, priority, max_attempts, retry_delay, timeout
    FROM jsonb_array_elements(args_list) WITH ORDINALITY AS elements (element, ordinal)
    ORDER BY ordinal;
    IF notify AND jsonb_array_length(args_list) > 0 THEN
        PERFORM pg_notify('baton', 'queued');
    END IF;
    RETURN iter_id;
END $$;

-- baton.grant_roles, granting baton_enqueue baton.async_iter and baton_worker baton.vanished_tasks (0011).
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
