-- django-q's `hook`, `save` and per-link options (`q_options`).
--
--   hook   the name of a function the cluster that ran a task calls with its record once
--          the outcome is recorded (never for a retried attempt); NULL: none
--   save   false: a successful result is not kept in baton.results (a failure still is;
--          a cached task still goes to the cache, as in django-q)
--
-- A chain link, and each task of baton.async_tasks, may carry options of its own, which
-- win over the call's: `[func, [args], {kwargs}, {options}]`, `{"func": ..., "q_options":
-- {...}}`, or, as django-q reads them, a `q_options` member of its kwargs (taken out of
-- the kwargs). Options: timeout and retry_delay (seconds), max_attempts, priority, hook,
-- task_name, save.

ALTER TABLE baton.tasks ADD COLUMN hook text CHECK (hook <> '');
ALTER TABLE baton.tasks ADD COLUMN save boolean NOT NULL DEFAULT true;

-- Reads one link, [func, [args], {kwargs}, {options}] or {"func": ..., "args": ...,
-- "kwargs": ..., "q_options": ...}; raises a clear error (SQLSTATE 22023) for anything
-- else, naming the link by `label` ('chain link 3', 'task'). An option not given is NULL.
DROP FUNCTION baton.parse_link(jsonb, text);
CREATE FUNCTION baton.parse_link(
    link jsonb, label text, OUT func text, OUT args jsonb, OUT kwargs jsonb, OUT timeout interval,
    OUT max_attempts integer, OUT retry_delay interval, OUT priority integer, OUT hook text, OUT task_name text,
    OUT save boolean
)
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    name_value jsonb;
    options jsonb;
    given jsonb;
    unknown text;
BEGIN
    CASE jsonb_typeof(link)
    WHEN 'array' THEN
        IF jsonb_array_length(link) > 4 THEN
            RAISE EXCEPTION 'baton: % has % elements; a link is [func, [args], {kwargs}, {options}]',
                label, jsonb_array_length(link) USING ERRCODE = 'invalid_parameter_value';
        END IF;
        name_value := link -> 0;
        args := link -> 1;
        kwargs := link -> 2;
        options := link -> 3;
    WHEN 'object' THEN
        name_value := link -> 'func';
        args := link -> 'args';
        kwargs := link -> 'kwargs';
        options := link -> 'q_options';
    ELSE
        RAISE EXCEPTION 'baton: % is a JSON %; a link is [func, [args], {kwargs}] or {"func": ...}',
            label, coalesce(jsonb_typeof(link), 'NULL') USING ERRCODE = 'invalid_parameter_value';
    END CASE;
    IF name_value IS NULL OR jsonb_typeof(name_value) <> 'string' OR name_value #>> '{}' = '' THEN
        RAISE EXCEPTION 'baton: % has no function name (a non-empty string first)', label
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    func := name_value #>> '{}';
    args := CASE WHEN args IS NULL OR args = 'null' THEN '[]'::jsonb ELSE args END;
    kwargs := CASE WHEN kwargs IS NULL OR kwargs = 'null' THEN '{}'::jsonb ELSE kwargs END;
    IF jsonb_typeof(args) <> 'array' THEN
        RAISE EXCEPTION 'baton: % (%): args must be a JSON array, not %', label, func, jsonb_typeof(args)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF jsonb_typeof(kwargs) <> 'object' THEN
        RAISE EXCEPTION 'baton: % (%): kwargs must be a JSON object, not %', label, func, jsonb_typeof(kwargs)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- django-q's way: options as the kwargs member q_options, which the function does not get.
    IF kwargs ? 'q_options' THEN
        given := kwargs -> 'q_options';
        kwargs := kwargs - 'q_options';
        IF options IS NULL OR options = 'null' THEN
            options := given;
        ELSIF jsonb_typeof(given) = 'object' AND jsonb_typeof(options) = 'object' THEN
            options := given || options;
        END IF;
    END IF;
    IF options IS NULL OR options = 'null' THEN
        RETURN;
    END IF;
    IF jsonb_typeof(options) <> 'object' THEN
        RAISE EXCEPTION 'baton: % (%): options must be a JSON object, not %', label, func, jsonb_typeof(options)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT string_agg(format('"%s"', key), ', ' ORDER BY key) INTO unknown
    FROM jsonb_object_keys(options) AS key
    WHERE key NOT IN ('timeout', 'max_attempts', 'retry_delay', 'priority', 'hook', 'task_name', 'save');
    IF unknown IS NOT NULL THEN
        RAISE EXCEPTION 'baton: % (%): unknown option %; a link takes timeout, max_attempts, retry_delay, '
            'priority, hook, task_name and save (group, cached and sync belong to the whole call)',
            label, func, left(unknown, 200) USING ERRCODE = 'invalid_parameter_value';
    END IF;
    BEGIN
        timeout := CASE WHEN options ? 'timeout' THEN (options ->> 'timeout')::float8 * interval '1 second' END;
        retry_delay := CASE WHEN options ? 'retry_delay'
                            THEN (options ->> 'retry_delay')::float8 * interval '1 second' END;
        max_attempts := (options ->> 'max_attempts')::integer;
        priority := (options ->> 'priority')::integer;
        save := (options ->> 'save')::boolean;
    EXCEPTION WHEN data_exception THEN
        RAISE EXCEPTION 'baton: % (%): timeout and retry_delay are numbers of seconds, max_attempts and priority '
            'whole numbers, save true or false; given %', label, func, left(options::text, 200)
            USING ERRCODE = 'invalid_parameter_value';
    END;
    IF jsonb_typeof(options -> 'hook') NOT IN ('string', 'null') OR options ->> 'hook' = ''
       OR jsonb_typeof(options -> 'task_name') NOT IN ('string', 'null') OR options ->> 'task_name' = '' THEN
        RAISE EXCEPTION 'baton: % (%): hook and task_name are non-empty strings', label, func
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    hook := options ->> 'hook';
    task_name := options ->> 'task_name';
END $$;

-- The enqueue functions take `hook` and `save` after their other parameters, so that a
-- call by position written for the earlier ones still means the same.
DROP FUNCTION baton.async_task(text, jsonb, jsonb, text, interval, text, integer, integer, interval, interval, boolean);
DROP FUNCTION baton.async_tasks(jsonb, text, interval, integer, integer, interval, interval, boolean);
DROP FUNCTION baton.async_chain(jsonb, text, interval, text, integer, interval, interval, boolean);
DROP FUNCTION baton.async_iter(text, jsonb, interval, integer, integer, interval, interval, boolean);

-- Enqueues one task; with a group name, the task joins that group. Returns the task id.
-- A `q_options` member of `kwargs` is read as django-q reads it: options that win over these.
CREATE FUNCTION baton.async_task(
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
    INSERT INTO baton.tasks (id, name, func, args, kwargs, group_id, cache_ttl, priority, max_attempts, retry_delay,
                             timeout, hook, save)
    VALUES (task_id, coalesce(async_task.name, func), func, args, kwargs, "group", cached, async_task.priority,
            async_task.max_attempts, async_task.retry_delay, async_task.timeout, async_task.hook,
            coalesce(async_task.save, true));
    IF notify THEN
        PERFORM pg_notify('baton', 'queued');
    END IF;
    RETURN task_id;
END $$;

-- Enqueues many tasks in one statement: `tasks` is a JSON array of links
-- ([func, [args], {kwargs}, {options}] or {"func": ...}); the call's options apply to each
-- unless its own say otherwise. Returns the task ids in the order given. One bad link
-- raises, naming it, and enqueues none.
CREATE FUNCTION baton.async_tasks(
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
    IF notify AND jsonb_array_length(tasks) > 0 THEN
        PERFORM pg_notify('baton', 'queued');
    END IF;
END $$;

-- Enqueues a chain whole: link 0 queued, the others waiting. Returns the chain's group id.
-- Each link's own options win over the call's.
CREATE FUNCTION baton.async_chain(
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
    IF notify THEN
        PERFORM pg_notify('baton', 'queued');
    END IF;
    RETURN chain_id;
END $$;

-- Enqueues `func` once per element of `args_list` (an array of argument arrays; any other
-- element is that task's one argument, as django-q's async_iter takes it), as one group of
-- kind 'iter'. Returns the iter's id. The tasks run side by side; each keeps its place in
-- `chain_position`, for the results' order, and the group's policy is `continue`, so that a
-- failed one cancels none of the others.
CREATE FUNCTION baton.async_iter(
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
    INSERT INTO baton.tasks (id, name, func, args, kwargs, group_id, chain_position, cache_ttl, priority,
                             max_attempts, retry_delay, timeout, hook, save)
    SELECT baton.new_id(), func, func,
           CASE WHEN jsonb_typeof(element) = 'array' THEN element ELSE jsonb_build_array(element) END, '{}',
           iter_id, ordinal - 1, cached, priority, max_attempts, retry_delay, timeout, hook, coalesce(save, true)
    FROM jsonb_array_elements(args_list) WITH ORDINALITY AS elements (element, ordinal)
    ORDER BY ordinal;
    IF notify AND jsonb_array_length(args_list) > 0 THEN
        PERFORM pg_notify('baton', 'queued');
    END IF;
    RETURN iter_id;
END $$;

-- Completes a batch of `owner`'s leased tasks, as before (0004, 0007), and now: a success of
-- a task saved with `save` false is not kept in baton.results, and each finished task with a
-- hook is returned as its record (`hooked`, and whether it went to the cache), for the
-- cluster to call the hook with once this commits.
DROP FUNCTION baton.complete_tasks(text, jsonb, text[], interval);
CREATE FUNCTION baton.complete_tasks(owner text, outcomes jsonb, functions text[], lease interval)
RETURNS TABLE (lost uuid, task baton.tasks, hooked baton.results, hooked_cached boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    retried uuid[] := '{}';
    lost_ids uuid[];
    events text;
    -- A group name with a line break would split its event.
    has_break boolean;
    -- The finished chain links: id, group, position, success, function.
    link_ids uuid[];
    link_groups text[];
    link_positions integer[];
    link_ok boolean[];
    link_funcs text[];
    cancelled integer;
    -- The chains to move on: their links that succeeded, or failed in a chain that continues.
    advance_groups text[];
    advance_positions integer[];
    released baton.tasks[] := '{}';
    -- The chains whose finished link moved nothing on: each may have ended.
    ended text[];
    -- The finished tasks with a hook, as they were recorded (or would have been, unsaved).
    hooked_rows baton.results[];
    hooked_in_cache boolean[];
BEGIN
    IF outcomes @? '$[*] ? (@.ok == false)' THEN
        WITH failed AS (
            SELECT o.id, o.error FROM jsonb_to_recordset(outcomes) AS o (id uuid, ok boolean, error text)
            WHERE NOT o.ok
        ), retry AS (
            UPDATE baton.tasks AS t
            SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL, started_at = NULL,
                run_at = now() + baton.retry_backoff(t.retry_delay, t.attempts), errors = t.errors || failed.error
            FROM failed
            WHERE t.id = failed.id AND t.state = 'running' AND t.lease_owner = owner AND t.attempts < t.max_attempts
            RETURNING t.id
        )
        SELECT coalesce(array_agg(id), '{}') INTO retried FROM retry;
    END IF;

    -- The tasks leaving the queue (primary key), recorded in the same statement; the
    -- ones `owner` no longer held; the chain links among them; and the events, each
    -- `done` unless a chain moves on.
    WITH input AS (
        SELECT * FROM jsonb_to_recordset(outcomes) AS o (id uuid, ok boolean, result jsonb, error text)
    ), gone AS (
        DELETE FROM baton.tasks AS t USING input
        WHERE t.id = input.id AND t.state = 'running' AND t.lease_owner = owner AND input.id <> ALL (retried)
        RETURNING t.id, t.name, t.func, t.args, t.kwargs, t.group_id, t.chain_position, t.attempts, t.enqueued_at,
                  t.started_at, t.cache_ttl, t.hook, t.save,
                  CASE WHEN input.ok THEN t.errors ELSE t.errors || input.error END AS errors,
                  input.ok, input.result, input.error
    ), recorded AS (
        INSERT INTO baton.results (id, name, func, args, kwargs, result, error, success, group_id, chain_position,
                                   attempts, worker, enqueued_at, started_at, errors)
        SELECT id, name, func, args, kwargs, result, error, ok, group_id, chain_position, attempts, owner,
               enqueued_at, started_at, errors
        FROM gone WHERE cache_ttl IS NULL AND (save OR NOT ok)
    ), cached AS (
        INSERT INTO baton.cached_results (id, name, func, args, kwargs, result, error, success, group_id,
                                          chain_position, attempts, worker, enqueued_at, started_at, errors, expires_at)
        SELECT id, name, func, args, kwargs, result, error, ok, group_id, chain_position, attempts, owner,
               enqueued_at, started_at, errors, now() + cache_ttl
        FROM gone WHERE cache_ttl IS NOT NULL
    )
    SELECT (SELECT array_agg(i.id) FROM input AS i
            WHERE i.id <> ALL (retried) AND NOT EXISTS (SELECT 1 FROM gone WHERE gone.id = i.id)),
           (SELECT string_agg('done ' || id || ' ' || coalesce(group_id, ''), E'\n') FROM gone
            WHERE chain_position IS NULL),
           (SELECT coalesce(bool_or(strpos(group_id, E'\n') > 0), false) FROM gone),
           (SELECT array_agg(id ORDER BY id) FROM gone WHERE chain_position IS NOT NULL),
           (SELECT array_agg(group_id ORDER BY id) FROM gone WHERE chain_position IS NOT NULL),
           (SELECT array_agg(chain_position ORDER BY id) FROM gone WHERE chain_position IS NOT NULL),
           (SELECT array_agg(ok ORDER BY id) FROM gone WHERE chain_position IS NOT NULL),
           (SELECT array_agg(func ORDER BY id) FROM gone WHERE chain_position IS NOT NULL),
           (SELECT array_agg(ROW(id, name, func, args, kwargs, result, error, ok, group_id, chain_position,
                                 attempts, owner, enqueued_at, started_at, now(), errors)::baton.results)
            FROM gone WHERE hook IS NOT NULL),
           (SELECT array_agg(cache_ttl IS NOT NULL) FROM gone WHERE hook IS NOT NULL)
    INTO lost_ids, events, has_break, link_ids, link_groups, link_positions, link_ok, link_funcs, hooked_rows,
         hooked_in_cache;

    IF link_groups IS NOT NULL THEN
        -- Under policy `stop`, the links after a failed one are recorded as cancelled (tasks_group_position).
        IF false = ANY (link_ok) THEN
            WITH failed AS (
                SELECT f.group_id, f.position, f.func
                FROM unnest(link_groups, link_positions, link_ok, link_funcs) AS f (group_id, position, ok, func)
                JOIN baton.groups AS g ON g.id = f.group_id
                WHERE NOT f.ok AND g.failure_policy = 'stop'
            ), rest AS (
                DELETE FROM baton.tasks AS rest USING failed
                WHERE rest.group_id = failed.group_id AND rest.chain_position > failed.position
                RETURNING rest.*, format('cancelled: link %s (%s) failed', failed.position, failed.func) AS reason
            ), recorded AS (
                INSERT INTO baton.results (id, name, func, args, kwargs, result, error, success, group_id,
                                           chain_position, attempts, worker, enqueued_at, started_at, errors)
                SELECT id, name, func, args, kwargs, NULL, reason, false, group_id, chain_position, 0, NULL,
                       enqueued_at, NULL, errors
                FROM rest WHERE cache_ttl IS NULL
            ), cached AS (
                INSERT INTO baton.cached_results (id, name, func, args, kwargs, result, error, success, group_id,
                                                  chain_position, attempts, worker, enqueued_at, started_at, errors,
                                                  expires_at)
                SELECT id, name, func, args, kwargs, NULL, reason, false, group_id, chain_position, 0, NULL,
                       enqueued_at, NULL, errors, now() + cache_ttl
                FROM rest WHERE cache_ttl IS NOT NULL
            )
            SELECT count(*) INTO cancelled FROM rest;

            -- The chains that move on: only a failed link needs its chain's policy.
            SELECT array_agg(f.group_id), array_agg(f.position) INTO advance_groups, advance_positions
            FROM unnest(link_groups, link_positions, link_ok) AS f (group_id, position, ok)
            JOIN baton.groups AS g ON g.id = f.group_id
            WHERE f.ok OR g.failure_policy = 'continue';
        ELSE
            advance_groups := link_groups;
            advance_positions := link_positions;
        END IF;

        -- The next links: leased to `owner` when it runs their function. Each is looked up on
        -- its own (tasks_group_position; the LIMIT keeps the lookup from being flattened into
        -- a join) and updated by its address: a join let the planner, misled by a queue it had
        -- no statistics for, read the whole queue for each batch.
        WITH next_links AS (
            UPDATE baton.tasks AS next
            SET state = CASE WHEN next.func = ANY (functions) THEN 'running' ELSE 'queued' END,
                run_at = now(),
                attempts = next.attempts + CASE WHEN next.func = ANY (functions) THEN 1 ELSE 0 END,
                lease_owner = CASE WHEN next.func = ANY (functions) THEN owner END,
                lease_expires_at = CASE WHEN next.func = ANY (functions) THEN now() + lease END,
                started_at = CASE WHEN next.func = ANY (functions) THEN now() END
            WHERE next.ctid = ANY (ARRAY(
                SELECT link.ctid
                FROM unnest(advance_groups, advance_positions) AS f (group_id, position)
                CROSS JOIN LATERAL (
                    SELECT t.ctid FROM baton.tasks AS t
                    WHERE t.group_id = f.group_id AND t.chain_position = f.position + 1 AND t.state = 'waiting'
                    LIMIT 1
                ) AS link))
            RETURNING next
        )
        SELECT coalesce(array_agg(next), '{}') INTO released FROM next_links;

        -- A chain link's event is `released` when its next link was left in the queue (which
        -- wakes idle workers), else `done`; a chain whose link moved nothing on may have
        -- ended. A chain has one link in flight at a time.
        SELECT concat_ws(E'\n', events, string_agg(
                   CASE WHEN moved.state = 'queued' THEN 'released ' ELSE 'done ' END || f.id || ' ' || f.group_id,
                   E'\n')),
               array_agg(f.group_id) FILTER (WHERE moved.group_id IS NULL)
        INTO events, ended
        FROM unnest(link_ids, link_groups) AS f (id, group_id)
        LEFT JOIN unnest(released) AS moved ON moved.group_id = f.group_id;

        IF ended IS NOT NULL THEN
            UPDATE baton.groups AS g SET finished_at = now()
            WHERE g.id = ANY (ended) AND NOT EXISTS (SELECT 1 FROM baton.tasks AS t WHERE t.group_id = g.id);
        END IF;
    END IF;

    IF events IS NOT NULL THEN
        PERFORM pg_notify('baton', CASE WHEN octet_length(events) > 7900 OR has_break THEN 'all' ELSE events END);
    END IF;

    IF lost_ids IS NOT NULL THEN
        RETURN QUERY SELECT l, NULL::baton.tasks, NULL::baton.results, NULL::boolean FROM unnest(lost_ids) AS l;
    END IF;
    IF released <> '{}' THEN
        RETURN QUERY SELECT NULL::uuid, r::baton.tasks, NULL::baton.results, NULL::boolean
                     FROM unnest(released) AS r WHERE r.state = 'running';
    END IF;
    IF hooked_rows IS NOT NULL THEN
        RETURN QUERY SELECT NULL::uuid, NULL::baton.tasks, hooked_rows[i], hooked_in_cache[i]
                     FROM generate_subscripts(hooked_rows, 1) AS i;
    END IF;
END $$;

-- baton.grant_roles of 0014, with the enqueue functions' new signatures.
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

SELECT baton.grant_roles();
