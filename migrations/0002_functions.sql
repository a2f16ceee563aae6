-- Baton's SQL API: enqueueing from any client inside its own transaction, and claiming,
-- completing, retrying and rescuing for workers.
--
-- Every state change notifies channel `baton` once per transaction, with a payload of
--   queued                      new work: idle workers claim
--   released <task> <group>     <task> finished and the next chain link is queued
--   done <task> <group>         <task> finished; nothing new is queued
-- Result waiters match the task or group id; idle workers wake on `queued` and `released`.
--
-- A failed attempt is retried while attempts < max_attempts, after retry_delay * 2^(n-1)
-- with +-25 % jitter (at most an hour). An expired lease (the worker crashed or lost the
-- database) puts the task back without using up an attempt, up to 5 times; the 5th lost
-- lease fails it, since a task that keeps killing its workers must stop somewhere.

-- Reads one link, [func, [args], {kwargs}] or {"func": ..., "args": ..., "kwargs": ...};
-- raises a clear error (SQLSTATE 22023) for anything else, naming the link by `label`
-- ('chain link 3', 'task').
CREATE FUNCTION baton.parse_link(link jsonb, label text, OUT func text, OUT args jsonb, OUT kwargs jsonb)
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    name_value jsonb;
BEGIN
    CASE jsonb_typeof(link)
    WHEN 'array' THEN
        IF jsonb_array_length(link) > 3 THEN
            RAISE EXCEPTION 'baton: % has % elements; a link is [func, [args], {kwargs}]',
                label, jsonb_array_length(link) USING ERRCODE = 'invalid_parameter_value';
        END IF;
        name_value := link -> 0;
        args := link -> 1;
        kwargs := link -> 2;
    WHEN 'object' THEN
        name_value := link -> 'func';
        args := link -> 'args';
        kwargs := link -> 'kwargs';
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
END $$;

-- Enqueues one task; with a group name, the task joins that group. Returns the task id.
CREATE FUNCTION baton.async_task(
    func text, args jsonb DEFAULT '[]', kwargs jsonb DEFAULT '{}', "group" text DEFAULT NULL,
    cached interval DEFAULT NULL, name text DEFAULT NULL, priority integer DEFAULT 0,
    max_attempts integer DEFAULT 1, retry_delay interval DEFAULT '1 second', timeout interval DEFAULT NULL
) RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
    link record;
    task_id uuid := gen_random_uuid();
    group_kind text;
BEGIN
    SELECT * INTO link FROM baton.parse_link(jsonb_build_array(func, args, kwargs), 'task');
    IF "group" IS NOT NULL THEN
        INSERT INTO baton.groups (id, kind) VALUES ("group", 'group') ON CONFLICT (id) DO NOTHING;
        SELECT kind INTO group_kind FROM baton.groups WHERE id = "group";
        IF group_kind <> 'group' THEN
            RAISE EXCEPTION 'baton.async_task: "%" is a chain, not a group; give the task another group', "group"
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END IF;
    INSERT INTO baton.tasks (id, name, func, args, kwargs, group_id, cache_ttl, priority, max_attempts, retry_delay, timeout)
    VALUES (task_id, coalesce(name, link.func), link.func, link.args, link.kwargs, "group", cached, priority,
            max_attempts, retry_delay, timeout);
    PERFORM pg_notify('baton', 'queued');
    RETURN task_id;
END $$;

-- Enqueues a chain whole: link 0 queued, the others waiting. Returns the chain's group id.
CREATE FUNCTION baton.async_chain(
    chain jsonb, "group" text DEFAULT NULL, cached interval DEFAULT NULL, failure_policy text DEFAULT 'stop',
    max_attempts integer DEFAULT 1, retry_delay interval DEFAULT '1 second', timeout interval DEFAULT NULL
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
    PERFORM pg_notify('baton', 'queued');
    RETURN chain_id;
END $$;

-- Claims up to `batch` queued tasks of the given functions, most urgent first, and leases
-- them to `owner` (tasks_claim_order; SKIP LOCKED so that workers never wait on each other).
-- PL/pgSQL with custom plans: a generic plan, not knowing the LIMIT, would scan and sort
-- the whole queue on every claim.
CREATE FUNCTION baton.claim_tasks(functions text[], batch integer, owner text, lease interval)
RETURNS SETOF baton.tasks
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
BEGIN
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

-- Writes a finished task's row to baton.results, or to the cache when it asked for it.
CREATE FUNCTION baton.record_result(task baton.tasks, succeeded boolean, outcome jsonb, failure text, worker text)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF task.cache_ttl IS NULL THEN
        INSERT INTO baton.results (id, name, func, args, kwargs, result, error, success, group_id, chain_position,
                                   attempts, worker, enqueued_at, started_at, errors)
        VALUES (task.id, task.name, task.func, task.args, task.kwargs, outcome, failure, succeeded, task.group_id,
                task.chain_position, task.attempts, worker, task.enqueued_at, task.started_at, task.errors);
    ELSE
        INSERT INTO baton.cached_results (id, name, func, args, kwargs, result, error, success, group_id,
                                          chain_position, attempts, worker, enqueued_at, started_at, errors, expires_at)
        VALUES (task.id, task.name, task.func, task.args, task.kwargs, outcome, failure, succeeded, task.group_id,
                task.chain_position, task.attempts, worker, task.enqueued_at, task.started_at, task.errors,
                now() + task.cache_ttl);
    END IF;
END $$;

-- The wait before retry n: retry_delay * 2^(n-1), +-25 % jitter, at most an hour.
CREATE FUNCTION baton.retry_backoff(retry_delay interval, attempt integer) RETURNS interval
LANGUAGE sql VOLATILE AS $$
    SELECT least(interval '1 hour', retry_delay * power(2, least(attempt, 30) - 1)) * (0.75 + random() * 0.5)
$$;

-- Records a task that left the queue (already deleted, `done` its last row), then moves its
-- chain on: releases the next link, or under policy `stop` after a failure records the rest
-- as cancelled; marks a finished chain; notifies once.
CREATE FUNCTION baton.finish_task(done baton.tasks, succeeded boolean, outcome jsonb, failure text, worker text)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    rest baton.tasks;
    policy text;
    event text := 'done';
BEGIN
    PERFORM baton.record_result(done, succeeded, outcome, failure, worker);
    IF done.chain_position IS NOT NULL THEN
        SELECT failure_policy INTO policy FROM baton.groups WHERE id = done.group_id;
        IF succeeded OR policy = 'continue' THEN
            UPDATE baton.tasks SET state = 'queued', run_at = now()
            WHERE group_id = done.group_id AND chain_position = done.chain_position + 1 AND state = 'waiting';
            IF FOUND THEN
                event := 'released';
            END IF;
        ELSE
            FOR rest IN
                DELETE FROM baton.tasks WHERE group_id = done.group_id AND chain_position > done.chain_position
                RETURNING *
            LOOP
                rest.attempts := 0;
                rest.started_at := NULL;
                PERFORM baton.record_result(rest, false, NULL,
                    format('cancelled: link %s (%s) failed', done.chain_position, done.func), NULL);
            END LOOP;
        END IF;
        IF event = 'done' THEN
            UPDATE baton.groups SET finished_at = now()
            WHERE id = done.group_id AND NOT EXISTS (SELECT 1 FROM baton.tasks WHERE group_id = done.group_id);
        END IF;
    END IF;
    PERFORM pg_notify('baton', event || ' ' || done.id || ' ' || coalesce(done.group_id, ''));
END $$;

-- Finishes a leased task in one transaction: a failure with attempts left goes back to the
-- queue after its backoff; anything else is recorded and moves its chain on.
-- Returns false, changing nothing, when `owner` no longer holds the lease.
CREATE FUNCTION baton.complete_task(task_id uuid, owner text, succeeded boolean, outcome jsonb, failure text)
RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    done baton.tasks;
BEGIN
    SELECT * INTO done FROM baton.tasks
    WHERE id = task_id AND state = 'running' AND lease_owner = owner
    FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    IF NOT succeeded AND done.attempts < done.max_attempts THEN
        UPDATE baton.tasks
        SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL, started_at = NULL,
            run_at = now() + baton.retry_backoff(retry_delay, attempts), errors = errors || failure
        WHERE id = task_id;
        RETURN true;
    END IF;
    DELETE FROM baton.tasks WHERE id = task_id;
    IF NOT succeeded THEN
        done.errors := done.errors || failure;
    END IF;
    PERFORM baton.finish_task(done, succeeded, outcome, failure, owner);
    RETURN true;
END $$;

-- Hands a leased task back to the queue unfinished (its worker is stopping), as if this
-- attempt had not begun. Returns false when `owner` no longer holds the lease.
CREATE FUNCTION baton.release_task(task_id uuid, owner text)
RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE baton.tasks
    SET state = 'queued', attempts = attempts - 1, lease_owner = NULL, lease_expires_at = NULL, started_at = NULL
    WHERE id = task_id AND state = 'running' AND lease_owner = owner;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    PERFORM pg_notify('baton', 'queued');
    RETURN true;
END $$;

-- Rescues one task whose lease expired (tasks_lease_expiry; SKIP LOCKED): back to the queue,
-- or failed after its 5th lost lease. Returns its id, or NULL when none is expired.
-- One task per call, so that each rescue is one transaction with one notification.
CREATE FUNCTION baton.rescue_expired_task() RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
    lost baton.tasks;
    reason text;
BEGIN
    SELECT * INTO lost FROM baton.tasks
    WHERE state = 'running' AND lease_expires_at < now()
    ORDER BY lease_expires_at
    LIMIT 1
    FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    reason := format('the lease of %s expired during attempt %s', lost.lease_owner, lost.attempts);
    IF lost.lost_leases + 1 < 5 THEN
        UPDATE baton.tasks
        SET state = 'queued', attempts = attempts - 1, lost_leases = lost_leases + 1, lease_owner = NULL,
            lease_expires_at = NULL, started_at = NULL, run_at = now(), errors = errors || reason
        WHERE id = lost.id;
        PERFORM pg_notify('baton', 'queued');
    ELSE
        DELETE FROM baton.tasks WHERE id = lost.id;
        lost.errors := lost.errors || reason;
        PERFORM baton.finish_task(lost, false, NULL,
            format('%s; the lease was lost 5 times, so the task may crash its workers', reason), lost.lease_owner);
    END IF;
    RETURN lost.id;
END $$;

-- A cluster's heartbeat: marks it seen (registering it when new), extends the leases of the
-- tasks it runs by `lease`, and deletes expired cached results. Returns the leases extended.
CREATE FUNCTION baton.cluster_heartbeat(cluster_name text, worker_count integer, function_names text[], lease interval)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    extended bigint;
BEGIN
    INSERT INTO baton.clusters (name, workers, functions) VALUES (cluster_name, worker_count, function_names)
    ON CONFLICT (name) DO UPDATE SET seen_at = now(), workers = excluded.workers, functions = excluded.functions;
    UPDATE baton.tasks SET lease_expires_at = now() + lease WHERE state = 'running' AND lease_owner = cluster_name;
    GET DIAGNOSTICS extended = ROW_COUNT;
    DELETE FROM baton.cached_results WHERE expires_at <= now();
    RETURN extended;
END $$;
