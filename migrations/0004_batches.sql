-- Batches: enqueueing many tasks in one call, completing many in one transaction, and
-- enqueueing without a NOTIFY in the writing transaction.
--
-- Why the `notify` switch: PostgreSQL serialises the commits of every transaction that
-- sent a NOTIFY, flush to disk included, so a NOTIFY in each enqueueing transaction halves
-- how many can commit per second. With `notify => false` the caller sends
-- `SELECT pg_notify('baton', 'queued')` after its commit instead (Baton's Swift API does,
-- coalescing concurrent callers into one); a transaction that wrote nothing commits
-- without a flush.
--
-- A payload may now hold several events, one per line; `all` (when they would not fit in
-- PostgreSQL's 8,000 bytes) asks every waiter to look again.

-- A group's or chain's unfinished tasks (waiters counting them, a chain's end, reports).
-- Without it each of those looked through the whole queue, which a large backlog makes slow.
CREATE INDEX tasks_group ON baton.tasks (group_id) WHERE group_id IS NOT NULL;

-- Results arrive in time order, so a BRIN index serves reports on time ranges at a
-- fraction of a B-tree's cost per insert.
DROP INDEX baton.results_stopped_at;
CREATE INDEX results_stopped_at ON baton.results USING brin (stopped_at);

DROP FUNCTION baton.async_task(text, jsonb, jsonb, text, interval, text, integer, integer, interval, interval);
DROP FUNCTION baton.async_chain(jsonb, text, interval, text, integer, interval, interval);

-- Joins `group_name` as a task of a group (creating it), or raises when it names a chain.
CREATE FUNCTION baton.join_group(group_name text, caller text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO baton.groups (id, kind) VALUES (group_name, 'group') ON CONFLICT (id) DO NOTHING;
    IF NOT FOUND AND (SELECT kind FROM baton.groups WHERE id = group_name) <> 'group' THEN
        RAISE EXCEPTION '%: "%" is a chain, not a group; give the task another group', caller, group_name
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
END $$;

-- Enqueues one task; with a group name, the task joins that group. Returns the task id.
CREATE FUNCTION baton.async_task(
    func text, args jsonb DEFAULT '[]', kwargs jsonb DEFAULT '{}', "group" text DEFAULT NULL,
    cached interval DEFAULT NULL, name text DEFAULT NULL, priority integer DEFAULT 0,
    max_attempts integer DEFAULT 1, retry_delay interval DEFAULT '1 second', timeout interval DEFAULT NULL,
    notify boolean DEFAULT true
) RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
    link record;
    task_id uuid := gen_random_uuid();
BEGIN
    -- The usual shape needs no parsing; anything else goes through parse_link, which
    -- fills in defaults or raises a clear error.
    IF func IS NULL OR func = '' OR jsonb_typeof(args) IS DISTINCT FROM 'array'
       OR jsonb_typeof(kwargs) IS DISTINCT FROM 'object' THEN
        SELECT * INTO link FROM baton.parse_link(jsonb_build_array(func, args, kwargs), 'task');
        func := link.func;
        args := link.args;
        kwargs := link.kwargs;
    END IF;
    IF "group" IS NOT NULL THEN
        PERFORM baton.join_group("group", 'baton.async_task');
    END IF;
    INSERT INTO baton.tasks (id, name, func, args, kwargs, group_id, cache_ttl, priority, max_attempts, retry_delay, timeout)
    VALUES (task_id, coalesce(name, func), func, args, kwargs, "group", cached, priority,
            max_attempts, retry_delay, timeout);
    IF notify THEN
        PERFORM pg_notify('baton', 'queued');
    END IF;
    RETURN task_id;
END $$;

-- Enqueues many tasks in one statement: `tasks` is a JSON array of links
-- ([func, [args], {kwargs}] or {"func": ...}); the options apply to each. Returns the task
-- ids in the order given. One bad link raises, naming it, and enqueues none.
CREATE FUNCTION baton.async_tasks(
    tasks jsonb, "group" text DEFAULT NULL, cached interval DEFAULT NULL, priority integer DEFAULT 0,
    max_attempts integer DEFAULT 1, retry_delay interval DEFAULT '1 second', timeout interval DEFAULT NULL,
    notify boolean DEFAULT true
) RETURNS SETOF uuid
LANGUAGE plpgsql AS $$
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
                             retry_delay, timeout)
    SELECT gen_random_uuid(), link.func, link.func, link.args, link.kwargs, "group", cached, priority,
           max_attempts, retry_delay, timeout
    FROM jsonb_array_elements(tasks) WITH ORDINALITY AS links (element, ordinal)
    CROSS JOIN LATERAL baton.parse_link(links.element, 'task ' || (links.ordinal - 1)) AS link
    ORDER BY links.ordinal
    RETURNING id;
    IF notify AND jsonb_array_length(tasks) > 0 THEN
        PERFORM pg_notify('baton', 'queued');
    END IF;
END $$;

-- Enqueues a chain whole: link 0 queued, the others waiting. Returns the chain's group id.
CREATE FUNCTION baton.async_chain(
    chain jsonb, "group" text DEFAULT NULL, cached interval DEFAULT NULL, failure_policy text DEFAULT 'stop',
    max_attempts integer DEFAULT 1, retry_delay interval DEFAULT '1 second', timeout interval DEFAULT NULL,
    notify boolean DEFAULT true
) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    chain_id text := coalesce("group", gen_random_uuid()::text);
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
    INSERT INTO baton.tasks (id, name, func, args, kwargs, group_id, chain_position, state, cache_ttl,
                             max_attempts, retry_delay, timeout)
    SELECT gen_random_uuid(), link.func, link.func, link.args, link.kwargs, chain_id, links.ordinal - 1,
           CASE WHEN links.ordinal = 1 THEN 'queued' ELSE 'waiting' END, cached, max_attempts, retry_delay, timeout
    FROM jsonb_array_elements(chain) WITH ORDINALITY AS links (element, ordinal)
    CROSS JOIN LATERAL baton.parse_link(links.element, 'chain link ' || (links.ordinal - 1)) AS link
    ORDER BY links.ordinal;
    IF notify THEN
        PERFORM pg_notify('baton', 'queued');
    END IF;
    RETURN chain_id;
END $$;

-- Completes a batch of `owner`'s leased tasks in one transaction. `outcomes` is a JSON
-- array of {"id": uuid, "ok": bool, "result": json, "error": text}. A failure with
-- attempts left goes back to the queue after its backoff; every other task is recorded
-- (baton.results, or the cache), leaves the queue and moves its chain on, as
-- baton.complete_task does one at a time. When `functions` names the next link's
-- function, the link is leased to `owner` at once (the worker that ran link n runs link
-- n+1 without a claim); otherwise it is queued. One NOTIFY for the whole batch.
-- Returns a row per task whose lease `owner` no longer held (`lost`, nothing changed),
-- and a row per next link leased to `owner` (`task`).
-- The finished tasks are kept as arrays of plain values, not of rows: reading fields out
-- of row values again and again cost more than the writes.
CREATE FUNCTION baton.complete_tasks(owner text, outcomes jsonb, functions text[], lease interval)
RETURNS TABLE (lost uuid, task baton.tasks)
LANGUAGE plpgsql AS $$
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
    released baton.tasks[] := '{}';
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
                  t.started_at, t.cache_ttl,
                  CASE WHEN input.ok THEN t.errors ELSE t.errors || input.error END AS errors,
                  input.ok, input.result, input.error
    ), recorded AS (
        INSERT INTO baton.results (id, name, func, args, kwargs, result, error, success, group_id, chain_position,
                                   attempts, worker, enqueued_at, started_at, errors)
        SELECT id, name, func, args, kwargs, result, error, ok, group_id, chain_position, attempts, owner,
               enqueued_at, started_at, errors
        FROM gone WHERE cache_ttl IS NULL
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
           (SELECT array_agg(func ORDER BY id) FROM gone WHERE chain_position IS NOT NULL)
    INTO lost_ids, events, has_break, link_ids, link_groups, link_positions, link_ok, link_funcs;

    IF link_groups IS NOT NULL THEN
        -- Under policy `stop`, the links after a failed one are recorded as cancelled (tasks_chain_link).
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
        END IF;

        -- The next links (tasks_chain_link): leased to `owner` when it runs their function.
        WITH next_links AS (
            UPDATE baton.tasks AS next
            SET state = CASE WHEN next.func = ANY (functions) THEN 'running' ELSE 'queued' END,
                run_at = now(),
                attempts = next.attempts + CASE WHEN next.func = ANY (functions) THEN 1 ELSE 0 END,
                lease_owner = CASE WHEN next.func = ANY (functions) THEN owner END,
                lease_expires_at = CASE WHEN next.func = ANY (functions) THEN now() + lease END,
                started_at = CASE WHEN next.func = ANY (functions) THEN now() END
            FROM unnest(link_groups, link_positions, link_ok) AS f (group_id, position, ok), baton.groups AS g
            WHERE g.id = f.group_id AND (f.ok OR g.failure_policy = 'continue')
              AND next.group_id = f.group_id AND next.chain_position = f.position + 1 AND next.state = 'waiting'
            RETURNING next
        )
        SELECT coalesce(array_agg(next), '{}') INTO released FROM next_links;

        -- A chain whose link moved nothing on may have ended (tasks_group).
        UPDATE baton.groups AS g SET finished_at = now()
        FROM unnest(link_groups) AS f (group_id)
        WHERE g.id = f.group_id
          AND NOT EXISTS (SELECT 1 FROM unnest(released) AS r WHERE r.group_id = f.group_id)
          AND NOT EXISTS (SELECT 1 FROM baton.tasks AS t WHERE t.group_id = g.id);

        -- A chain link's event is `released` when its next link was left in the queue (which
        -- wakes idle workers), else `done`. A chain has one link in flight at a time.
        SELECT concat_ws(E'\n', events, string_agg(
                   CASE WHEN queued.group_id IS NULL THEN 'done ' ELSE 'released ' END || f.id || ' ' || f.group_id,
                   E'\n'))
        INTO events
        FROM unnest(link_ids, link_groups) AS f (id, group_id)
        LEFT JOIN (SELECT DISTINCT r.group_id FROM unnest(released) AS r WHERE r.state = 'queued') AS queued
               ON queued.group_id = f.group_id;
    END IF;

    IF events IS NOT NULL THEN
        PERFORM pg_notify('baton', CASE WHEN octet_length(events) > 7900 OR has_break THEN 'all' ELSE events END);
    END IF;

    IF lost_ids IS NOT NULL THEN
        RETURN QUERY SELECT l, NULL::baton.tasks FROM unnest(lost_ids) AS l;
    END IF;
    IF released <> '{}' THEN
        RETURN QUERY SELECT NULL::uuid, r::baton.tasks FROM unnest(released) AS r WHERE r.state = 'running';
    END IF;
END $$;

-- Hands leased tasks back to the queue unrun (their cluster is stopping), as if their
-- attempts had not begun. Returns how many `owner` still held.
CREATE FUNCTION baton.release_tasks(task_ids uuid[], owner text)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    released integer;
BEGIN
    UPDATE baton.tasks
    SET state = 'queued', attempts = attempts - 1, lease_owner = NULL, lease_expires_at = NULL, started_at = NULL
    WHERE id = ANY (task_ids) AND state = 'running' AND lease_owner = owner;
    GET DIAGNOSTICS released = ROW_COUNT;
    IF released > 0 THEN
        PERFORM pg_notify('baton', 'queued');
    END IF;
    RETURN released;
END $$;

-- Claims as before, committing without waiting for the disk (synchronous_commit off for
-- this transaction only): a claim lost in a crash leaves its task queued, and the worker
-- that got it finds its lease gone when it completes, so the task runs again and nothing
-- is recorded twice. Completions still wait for the disk.
CREATE OR REPLACE FUNCTION baton.claim_tasks(functions text[], batch integer, owner text, lease interval)
RETURNS SETOF baton.tasks
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
BEGIN
    PERFORM set_config('synchronous_commit', 'off', true);
    RETURN QUERY
    WITH next AS (
        SELECT id FROM baton.tasks
        WHERE state = 'queued' AND run_at <= now() AND func = ANY (functions)
        ORDER BY priority DESC, run_at, id
        LIMIT batch
        FOR UPDATE SKIP LOCKED
    )
    UPDATE baton.tasks AS task
    SET state = 'running', attempts = task.attempts + 1, lease_owner = owner,
        lease_expires_at = now() + lease, started_at = now()
    FROM next
    WHERE task.id = next.id
    RETURNING task.*;
END $$;

-- The heartbeat as before, but renewing only the leases it can lock at once: a task being
-- completed (its row locked) is leaving anyway, and waiting on it while the completion
-- waits on another row the heartbeat holds would deadlock.
CREATE OR REPLACE FUNCTION baton.cluster_heartbeat(cluster_name text, worker_count integer, function_names text[], lease interval)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    extended bigint;
BEGIN
    INSERT INTO baton.clusters (name, workers, functions) VALUES (cluster_name, worker_count, function_names)
    ON CONFLICT (name) DO UPDATE SET seen_at = now(), workers = excluded.workers, functions = excluded.functions;
    UPDATE baton.tasks SET lease_expires_at = now() + lease
    WHERE id IN (SELECT id FROM baton.tasks WHERE state = 'running' AND lease_owner = cluster_name
                 FOR UPDATE SKIP LOCKED);
    GET DIAGNOSTICS extended = ROW_COUNT;
    DELETE FROM baton.cached_results WHERE expires_at <= now();
    RETURN extended;
END $$;
