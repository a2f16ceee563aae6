-- Waking idle clusters without making every enqueuer's commit wait on NOTIFY's lock.
--
-- PostgreSQL serialises the commits of the transactions that sent a NOTIFY, flush to disk
-- included: 16 clients calling baton.async_task one at a time committed 2,951 tasks/s with
-- its NOTIFY, 8,344/s without (plain single-row INSERTs: 9,669/s). Now an enqueue sends one
-- only when a cluster waits for work, and only the first enqueuer to commit after it began
-- to wait does:
-- - a cluster whose claim came up short puts a row in baton.waiting_clusters
--   (baton.await_work) and sleeps until notified;
-- - the enqueue functions, asked to notify, leave it to a deferred trigger on baton.tasks:
--   at commit it takes away the waiting rows it can lock and notifies if it took any (rows
--   another enqueuer holds are that enqueuer's to wake);
-- - no enqueuer slips between a cluster's claim and its row: each committing enqueuer holds
--   a shared advisory lock from its look at baton.waiting_clusters to the end of its commit.
--   Once its row is in, the cluster waits until every enqueuer holding the lock then has
--   let go (baton.await_enqueuers, from pg_locks; nobody waits for the cluster) and claims
--   once more: an enqueuer that looked before the row has committed by then, one that looks
--   after sees the row.
-- Transactions at REPEATABLE READ or SERIALIZABLE, whose look would see an old snapshot,
-- always notify. Clusters of earlier releases never wait in the table: while they run, they
-- find work enqueued by SQL at their idle check (5 s by default), or when the Swift API or
-- another enqueue notifies.

-- The clusters whose last claim came up short and that wait for a notification.
CREATE TABLE baton.waiting_clusters (cluster text NOT NULL);

-- Marks `cluster` as waiting for work. Returns whether the mark is new: then the caller
-- waits for the enqueuers committing (baton.await_enqueuers) and claims once more.
CREATE FUNCTION baton.await_work(cluster text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
BEGIN
    -- Marked already: an enqueuer that takes the mark away also notifies.
    IF EXISTS (SELECT 1 FROM baton.waiting_clusters AS w WHERE w.cluster = await_work.cluster) THEN
        RETURN false;
    END IF;
    -- A mark lost in a crash costs a wake-up at the next idle check; no need to wait for the disk.
    PERFORM set_config('synchronous_commit', 'off', true);
    INSERT INTO baton.waiting_clusters (cluster) VALUES (await_work.cluster);
    RETURN true;
END $$;

-- Waits, after `cluster`'s mark committed, until the enqueuers that hold the shared lock
-- (key "batonwak" in ASCII: classid and objid in pg_locks are its halves) have let go:
-- those may have looked before the mark. Returns true then. One still holding it after
-- 100 ms fired the trigger early (SET CONSTRAINTS ALL IMMEDIATE) in a longer transaction:
-- the mark is taken away, so that the cluster marks itself and waits again after its next
-- claim, and false is returned.
CREATE FUNCTION baton.await_enqueuers(cluster text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    -- The holders of the first look; then those of them still holding it.
    committing text[];
    first boolean := true;
    this_database oid := (SELECT oid FROM pg_database WHERE datname = current_database());
    deadline timestamptz := clock_timestamp() + interval '100 milliseconds';
BEGIN
    LOOP
        SELECT array_agg(l.virtualtransaction) INTO committing FROM pg_locks AS l
        WHERE l.locktype = 'advisory' AND l.database = this_database AND l.classid = 1650553967
          AND l.objid = 1853317483 AND l.objsubid = 1 AND l.granted
          AND (first OR l.virtualtransaction = ANY (committing));
        EXIT WHEN committing IS NULL;
        IF clock_timestamp() > deadline THEN
            PERFORM set_config('synchronous_commit', 'off', true);
            -- A mark an enqueuer holds is that enqueuer's to wake, at its commit.
            DELETE FROM baton.waiting_clusters AS w WHERE w.ctid = ANY (ARRAY(
                SELECT ctid FROM baton.waiting_clusters AS m WHERE m.cluster = await_enqueuers.cluster
                FOR UPDATE SKIP LOCKED));
            RETURN false;
        END IF;
        first := false;
        PERFORM pg_sleep(0.0002);
    END LOOP;
    RETURN true;
END $$;

-- At the commit of a transaction whose enqueue asked to notify (`baton.wake` is 'on'):
-- wakes the clusters that wait for work, once each.
CREATE FUNCTION baton.wake_waiting_clusters() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
BEGIN
    IF current_setting('baton.wake', true) IS DISTINCT FROM 'on' THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('baton.wake', 'done', true);
    -- The lock is only ever taken shared; should another session hold it, notifying is safe.
    IF current_setting('transaction_isolation') <> 'read committed'
       OR NOT pg_try_advisory_xact_lock_shared(7089075310401380715) THEN
        PERFORM pg_notify('baton', 'queued');
        RETURN NULL;
    END IF;
    DELETE FROM baton.waiting_clusters AS w
    WHERE w.ctid = ANY (ARRAY(SELECT ctid FROM baton.waiting_clusters FOR UPDATE SKIP LOCKED));
    IF FOUND THEN
        PERFORM pg_notify('baton', 'queued');
    END IF;
    RETURN NULL;
END $$;

-- One event for each task a notifying enqueue inserts (the WHEN is looked at as the row is
-- inserted); the first at commit does the work, the others return.
CREATE CONSTRAINT TRIGGER tasks_wake AFTER INSERT ON baton.tasks DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW WHEN (current_setting('baton.wake', true) = 'on') EXECUTE FUNCTION baton.wake_waiting_clusters();

-- The enqueue functions of 0015, asking the trigger to notify instead of notifying.

-- Enqueues one task; with a group name, the task joins that group. Returns the task id.
-- A `q_options` member of `kwargs` is read as django-q reads it: options that win over these.
CREATE OR REPLACE FUNCTION baton.async_task(
    func text, args jsonb DEFAULT '[]', kwargs jsonb DEFAULT '{}', "group" text DEFAULT NULL,
    cached interval DEFAULT NULL, name text DEFAULT NULL, priority integer DEFAULT 0,
    max_attempts integer DEFAULT 1, retry_delay interval DEFAULT '1 second', timeout interval DEFAULT NULL,
    notify boolean DEFAULT true, hook text DEFAULT NULL, save boolean DEFAULT true
) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    link record;
    task_id uuid := baton.new_id();
BEGIN
    -- The usual shape needs no parsing; anything else goes through parse_link, which
    -- fills in defaults or raises a clear error.
    IF func IS NULL OR func = '' OR jsonb_typeof(args) IS DISTINCT FROM 'array'
       OR jsonb_typeof(kwargs) IS DISTINCT FROM 'object' OR kwargs ? 'q_options' THEN
        SELECT * INTO link FROM baton.parse_link(jsonb_build_array(func, args, kwargs), 'task');
        func := link.func;
        args := link.args;
        kwargs := link.kwargs;
        async_task.timeout := coalesce(link.timeout, async_task.timeout);
        async_task.max_attempts := coalesce(link.max_attempts, async_task.max_attempts);
        async_task.retry_delay := coalesce(link.retry_delay, async_task.retry_delay);
        async_task.priority := coalesce(link.priority, async_task.priority);
        async_task.hook := coalesce(link.hook, async_task.hook);
        async_task.name := coalesce(link.task_name, async_task.name);
        async_task.save := coalesce(link.save, async_task.save);
    END IF;
    IF "group" IS NOT NULL THEN
        PERFORM baton.join_group("group", 'baton.async_task');
    END IF;
    -- Set before the insert: tasks_wake reads it as each row goes in, and notifies at commit.
    IF notify THEN
        PERFORM set_config('baton.wake', 'on', true);
    END IF;
    INSERT INTO baton.tasks (id, name, func, args, kwargs, group_id, cache_ttl, priority, max_attempts, retry_delay,
                             timeout, hook, save)
    VALUES (task_id, coalesce(async_task.name, func), func, args, kwargs, "group", cached, async_task.priority,
            async_task.max_attempts, async_task.retry_delay, async_task.timeout, async_task.hook,
            coalesce(async_task.save, true));
    RETURN task_id;
END $$;

-- Enqueues many tasks in one statement: `tasks` is a JSON array of links
-- ([func, [args], {kwargs}, {options}] or {"func": ...}); the call's options apply to each
-- unless its own say otherwise. Returns the task ids in the order given. One bad link
-- raises, naming it, and enqueues none.
CREATE OR REPLACE FUNCTION baton.async_tasks(
    tasks jsonb, "group" text DEFAULT NULL, cached interval DEFAULT NULL, priority integer DEFAULT 0,
    max_attempts integer DEFAULT 1, retry_delay interval DEFAULT '1 second', timeout interval DEFAULT NULL,
    notify boolean DEFAULT true, hook text DEFAULT NULL, save boolean DEFAULT true
) RETURNS SETOF uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
BEGIN
    IF tasks IS NULL OR jsonb_typeof(tasks) <> 'array' THEN
        RAISE EXCEPTION 'baton.async_tasks: tasks must be a JSON array of [func, [args], {kwargs}] links, not %',
            coalesce(jsonb_typeof(tasks), 'NULL') USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF "group" IS NOT NULL THEN
        PERFORM baton.join_group("group", 'baton.async_tasks');
    END IF;
    -- Set before the insert: tasks_wake reads it as each row goes in, and notifies at commit.
    IF notify THEN
        PERFORM set_config('baton.wake', 'on', true);
    END IF;
    RETURN QUERY
    INSERT INTO baton.tasks (id, name, func, args, kwargs, group_id, cache_ttl, priority, max_attempts,
                             retry_delay, timeout, hook, save)
    SELECT baton.new_id(), coalesce(link.task_name, link.func), link.func, link.args, link.kwargs, "group", cached,
           coalesce(link.priority, async_tasks.priority), coalesce(link.max_attempts, async_tasks.max_attempts),
           coalesce(link.retry_delay, async_tasks.retry_delay), coalesce(link.timeout, async_tasks.timeout),
           coalesce(link.hook, async_tasks.hook), coalesce(link.save, async_tasks.save, true)
    FROM jsonb_array_elements(tasks) WITH ORDINALITY AS links (element, ordinal)
    CROSS JOIN LATERAL baton.parse_link(links.element, 'task ' || (links.ordinal - 1)) AS link
    ORDER BY links.ordinal
    RETURNING id;
END $$;

-- Enqueues a chain whole: link 0 queued, the others waiting. Returns the chain's group id.
-- Each link's own options win over the call's.
CREATE OR REPLACE FUNCTION baton.async_chain(
    chain jsonb, "group" text DEFAULT NULL, cached interval DEFAULT NULL, failure_policy text DEFAULT 'stop',
    max_attempts integer DEFAULT 1, retry_delay interval DEFAULT '1 second', timeout interval DEFAULT NULL,
    notify boolean DEFAULT true, hook text DEFAULT NULL, save boolean DEFAULT true
) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    chain_id text := coalesce("group", baton.new_id()::text);
BEGIN
    IF chain IS NULL OR jsonb_typeof(chain) <> 'array' THEN
        RAISE EXCEPTION 'baton.async_chain: the chain must be a JSON array of [func, [args], {kwargs}] links, not %',
            coalesce(jsonb_typeof(chain), 'NULL') USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF jsonb_array_length(chain) = 0 THEN
        RAISE EXCEPTION 'baton.async_chain: the chain is empty' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF failure_policy IS NULL OR failure_policy NOT IN ('stop', 'continue') THEN
        RAISE EXCEPTION 'baton.async_chain: failure_policy is ''stop'' or ''continue'', not %',
            coalesce(failure_policy, 'NULL') USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO baton.groups (id, kind, length, failure_policy)
    VALUES (chain_id, 'chain', jsonb_array_length(chain), failure_policy)
    ON CONFLICT (id) DO NOTHING;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'baton.async_chain: group "%" already exists; a chain needs a group of its own', chain_id
            USING ERRCODE = 'unique_violation';
    END IF;
    -- Set before the insert: tasks_wake reads it as each row goes in, and notifies at commit.
    IF notify THEN
        PERFORM set_config('baton.wake', 'on', true);
    END IF;
    INSERT INTO baton.tasks (id, name, func, args, kwargs, group_id, chain_position, state, cache_ttl, priority,
                             max_attempts, retry_delay, timeout, hook, save)
    SELECT baton.new_id(), coalesce(link.task_name, link.func), link.func, link.args, link.kwargs, chain_id,
           links.ordinal - 1, CASE WHEN links.ordinal = 1 THEN 'queued' ELSE 'waiting' END, cached,
           coalesce(link.priority, 0), coalesce(link.max_attempts, async_chain.max_attempts),
           coalesce(link.retry_delay, async_chain.retry_delay), coalesce(link.timeout, async_chain.timeout),
           coalesce(link.hook, async_chain.hook), coalesce(link.save, async_chain.save, true)
    FROM jsonb_array_elements(chain) WITH ORDINALITY AS links (element, ordinal)
    CROSS JOIN LATERAL baton.parse_link(links.element, 'chain link ' || (links.ordinal - 1)) AS link
    ORDER BY links.ordinal;
    RETURN chain_id;
END $$;

-- Enqueues `func` once per element of `args_list` (an array of argument arrays; any other
-- element is that task's one argument, as django-q's async_iter takes it), as one group of
-- kind 'iter'. Returns the iter's id. The tasks run side by side; each keeps its place in
-- `chain_position`, for the results' order, and the group's policy is `continue`, so that a
-- failed one cancels none of the others.
CREATE OR REPLACE FUNCTION baton.async_iter(
    func text, args_list jsonb, cached interval DEFAULT NULL, priority integer DEFAULT 0,
    max_attempts integer DEFAULT 1, retry_delay interval DEFAULT '1 second', timeout interval DEFAULT NULL,
    notify boolean DEFAULT true, hook text DEFAULT NULL, save boolean DEFAULT true
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
    -- Set before the insert: tasks_wake reads it as each row goes in, and notifies at commit.
    IF notify THEN
        PERFORM set_config('baton.wake', 'on', true);
    END IF;
    INSERT INTO baton.tasks (id, name, func, args, kwargs, group_id, chain_position, cache_ttl, priority,
                             max_attempts, retry_delay, timeout, hook, save)
    SELECT baton.new_id(), func, func,
           CASE WHEN jsonb_typeof(element) = 'array' THEN element ELSE jsonb_build_array(element) END, '{}',
           iter_id, ordinal - 1, cached, priority, max_attempts, retry_delay, timeout, hook, coalesce(save, true)
    FROM jsonb_array_elements(args_list) WITH ORDINALITY AS elements (element, ordinal)
    ORDER BY ordinal;
    RETURN iter_id;
END $$;

-- baton.grant_roles of 0015, with baton.await_work and baton.await_enqueuers for workers and
-- baton.waiting_clusters to read.
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
            baton.async_task(text, jsonb, jsonb, text, interval, text, integer, integer, interval, interval, boolean, text,
                             boolean),
            baton.async_tasks(jsonb, text, interval, integer, integer, interval, interval, boolean, text, boolean),
            baton.async_chain(jsonb, text, interval, text, integer, interval, interval, boolean, text, boolean),
            baton.async_iter(text, jsonb, interval, integer, integer, interval, interval, boolean, text, boolean),
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
            baton.vanished_tasks(uuid[]), baton.await_work(text), baton.await_enqueuers(text)
        TO baton_worker;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'baton_read') THEN
        GRANT SELECT ON baton.tasks, baton.results, baton.cached_results, baton.groups, baton.clusters,
                        baton.waiting_clusters, baton.all_results, baton.chain_status, baton.function_stats,
                        baton.schema_migrations
        TO baton_read;
        DROP POLICY IF EXISTS read_tasks ON baton.tasks;
        CREATE POLICY read_tasks ON baton.tasks FOR SELECT TO baton_read USING (true);
    END IF;
END $$;

SELECT baton.grant_roles();
