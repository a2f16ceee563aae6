-- Tasks, chains and groups: enqueueing from SQL (any client, inside its own transaction),
-- claiming and completing for workers, cached results, and views for reports.
--
-- Every state change notifies channel `baton` once per transaction, with a payload of
--   queued                      new work: idle workers claim
--   released <task> <group>     <task> finished and the next chain link is queued
--   done <task> <group>         <task> finished; nothing new is queued
-- Result waiters match the task or group id; idle workers wake on `queued` and `released`.

-- A task whose result goes to the cache keeps it this long; NULL: to baton.results.
ALTER TABLE baton.tasks ADD COLUMN cache_ttl interval CHECK (cache_ttl > interval '0');

-- Cached results: fast and not crash-safe (UNLOGGED), each with an expiry.
CREATE UNLOGGED TABLE baton.cached_results (
    LIKE baton.results INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX cached_results_group ON baton.cached_results (group_id, chain_position) WHERE group_id IS NOT NULL;
CREATE INDEX cached_results_expiry ON baton.cached_results (expires_at);

-- Every finished task, stored or cached (unexpired): what result calls read.
CREATE VIEW baton.all_results AS
    SELECT id, name, func, args, kwargs, result, error, success, group_id, chain_position, attempts,
           worker, enqueued_at, started_at, stopped_at, false AS cached
    FROM baton.results
    UNION ALL
    SELECT id, name, func, args, kwargs, result, error, success, group_id, chain_position, attempts,
           worker, enqueued_at, started_at, stopped_at, true AS cached
    FROM baton.cached_results
    WHERE expires_at > now();

-- Reads one link (`label` names it in errors: 'chain link 3', 'task'), [func, [args], {kwargs}] or {"func": ..., "args": ..., "kwargs": ...};
-- raises a clear error (SQLSTATE 22023) for anything else.
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
    cached interval DEFAULT NULL, name text DEFAULT NULL, priority integer DEFAULT 0
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
    INSERT INTO baton.tasks (id, name, func, args, kwargs, group_id, cache_ttl, priority)
    VALUES (task_id, coalesce(name, link.func), link.func, link.args, link.kwargs, "group", cached, priority);
    PERFORM pg_notify('baton', 'queued');
    RETURN task_id;
END $$;

-- Enqueues a chain whole: link 0 queued, the others waiting. Returns the chain's group id.
CREATE FUNCTION baton.async_chain(
    chain jsonb, "group" text DEFAULT NULL, cached interval DEFAULT NULL, failure_policy text DEFAULT 'stop'
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
    INSERT INTO baton.tasks (id, name, func, args, kwargs, group_id, chain_position, state, cache_ttl)
    SELECT gen_random_uuid(), link.func, link.func, link.args, link.kwargs, chain_id, links.ordinal - 1,
           CASE WHEN links.ordinal = 1 THEN 'queued' ELSE 'waiting' END, cached
    FROM jsonb_array_elements(chain) WITH ORDINALITY AS links (element, ordinal)
    CROSS JOIN LATERAL baton.parse_link(links.element, 'chain link ' || (links.ordinal - 1)) AS link
    ORDER BY links.ordinal;
    PERFORM pg_notify('baton', 'queued');
    RETURN chain_id;
END $$;

-- Claims up to `batch` queued tasks of the given functions, most urgent first, and leases
-- them to `owner` (tasks_claim_order; SKIP LOCKED so that workers never wait on each other).
CREATE FUNCTION baton.claim_tasks(functions text[], batch integer, owner text, lease interval)
RETURNS SETOF baton.tasks
LANGUAGE sql AS $$
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
    RETURNING task.*
$$;

-- Writes a finished task's row to baton.results, or to the cache when it asked for it.
CREATE FUNCTION baton.record_result(task baton.tasks, succeeded boolean, outcome jsonb, failure text, worker text)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF task.cache_ttl IS NULL THEN
        INSERT INTO baton.results (id, name, func, args, kwargs, result, error, success, group_id, chain_position,
                                   attempts, worker, enqueued_at, started_at)
        VALUES (task.id, task.name, task.func, task.args, task.kwargs, outcome, failure, succeeded, task.group_id,
                task.chain_position, task.attempts, worker, task.enqueued_at, task.started_at);
    ELSE
        INSERT INTO baton.cached_results (id, name, func, args, kwargs, result, error, success, group_id,
                                          chain_position, attempts, worker, enqueued_at, started_at, expires_at)
        VALUES (task.id, task.name, task.func, task.args, task.kwargs, outcome, failure, succeeded, task.group_id,
                task.chain_position, task.attempts, worker, task.enqueued_at, task.started_at, now() + task.cache_ttl);
    END IF;
END $$;

-- Finishes a leased task in one transaction: records its outcome, removes it from the
-- queue, releases the next chain link (or, under policy `stop` after a failure, records
-- the rest as cancelled), marks a finished chain, and notifies once.
-- Returns false, recording nothing, when `owner` no longer holds the lease.
CREATE FUNCTION baton.complete_task(task_id uuid, owner text, succeeded boolean, outcome jsonb, failure text)
RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    done baton.tasks;
    rest baton.tasks;
    policy text;
    event text := 'done';
BEGIN
    DELETE FROM baton.tasks WHERE id = task_id AND state = 'running' AND lease_owner = owner RETURNING * INTO done;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    PERFORM baton.record_result(done, succeeded, outcome, failure, owner);
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

-- One row per chain: how far it got and how it ended.
CREATE VIEW baton.chain_status AS
SELECT g.id AS group_id,
       g.length,
       coalesce(r.done, 0) AS links_done,
       coalesce(r.failed, 0) AS links_failed,
       t.position_running,
       CASE
           WHEN coalesce(r.done, 0) >= g.length THEN CASE WHEN r.failed > 0 THEN 'failed' ELSE 'done' END
           WHEN t.position_running IS NOT NULL OR coalesce(r.done, 0) > 0 THEN 'running'
           ELSE 'queued'
       END AS state,
       g.failure_policy,
       g.created_at AS enqueued_at,
       least(r.started_at, t.started_at) AS started_at,
       g.finished_at
FROM baton.groups AS g
LEFT JOIN LATERAL (
    SELECT count(*) AS done, count(*) FILTER (WHERE NOT success) AS failed, min(started_at) AS started_at
    FROM baton.all_results WHERE group_id = g.id
) AS r ON true
LEFT JOIN LATERAL (
    SELECT min(chain_position) FILTER (WHERE state = 'running') AS position_running, min(started_at) AS started_at
    FROM baton.tasks WHERE group_id = g.id
) AS t ON true
WHERE g.kind = 'chain';

-- Per function: how many ran, how many failed, and how long they took (milliseconds).
CREATE VIEW baton.function_stats AS
SELECT func,
       count(*) AS tasks,
       count(*) FILTER (WHERE NOT success) AS failures,
       round((avg(extract(epoch FROM stopped_at - started_at)) * 1000)::numeric, 3) AS mean_ms,
       round((percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM stopped_at - started_at)) * 1000)::numeric, 3)
           AS p95_ms,
       max(stopped_at) AS last_stopped_at
FROM baton.all_results
GROUP BY func;
