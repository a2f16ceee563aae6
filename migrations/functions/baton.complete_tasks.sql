-- Completes a batch of `owner`'s leased tasks in one transaction. `outcomes` is a JSON array
-- of {"id", "ok", "result" or "error"}, or {"id", "snooze": seconds}; each outcome is looked
-- up by its task's id in a JSON object, and the tasks are found by primary key (`id = ANY`),
-- so that no plan depends on the queue's statistics. A snoozed task goes back to the queue,
-- due that many seconds from now, its attempt not counted. A failure with attempts left goes
-- back to the queue after its backoff; anything else leaves the queue and is recorded (baton.results, the cache for a
-- cached task; a success saved with `save` false is not kept). Chains move on: the next
-- link is leased to `owner` when it runs that function (`functions`) and serves its queue
-- (`queues`), one neither paused nor limited (baton.queues), else queued; under
-- policy `stop` a failed link's rest is recorded as cancelled; a finished chain is marked.
-- Returns the tasks `owner` no longer held (`lost`), the next links leased to it (`task`),
-- each finished task with a hook as its record (`hooked`, and whether it went to the
-- cache), and, with `notify => false`, the batch's NOTIFY payload (one event per line, or
-- `all`) in a row of its own with every other column NULL, for the caller to send after
-- its commit; by default it is sent at this transaction's commit.
-- Its signature before 0020, without `queues`.
DROP FUNCTION IF EXISTS baton.complete_tasks(text, jsonb, text[], interval, boolean);
CREATE OR REPLACE FUNCTION baton.complete_tasks(
    owner text, outcomes jsonb, functions text[], lease interval, notify boolean DEFAULT true,
    queues text[] DEFAULT '{default}'
)
RETURNS TABLE (lost uuid, task baton.tasks, hooked baton.results, hooked_cached boolean, events text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    -- The outcomes' task ids, and each outcome by its task's id (in PostgreSQL's text form).
    ids uuid[];
    by_id jsonb;
    -- Tasks queued again: snoozed, or failed with attempts left.
    retried uuid[] := '{}';
    lost_ids uuid[];
    event_lines text;
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
    -- The next links, and those of them leased to `owner`, by address.
    next_ctids tid[];
    taken_ctids tid[];
    released baton.tasks[] := '{}';
    -- The chains whose finished link moved nothing on: each may have ended.
    ended text[];
    -- The finished tasks with a hook, as they were recorded (or would have been, unsaved).
    hooked_rows baton.results[];
    hooked_in_cache boolean[];
BEGIN
    SELECT coalesce(array_agg((o ->> 'id')::uuid), '{}'), coalesce(jsonb_object_agg((o ->> 'id')::uuid::text, o), '{}')
    INTO ids, by_id
    FROM jsonb_array_elements(outcomes) AS o;

    IF outcomes @? '$[*] ? (exists (@.snooze))' THEN
        WITH snoozed AS (
            UPDATE baton.tasks AS t
            SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL, started_at = NULL,
                attempts = t.attempts - 1,
                run_at = now() + least(greatest((by_id -> t.id::text ->> 'snooze')::float8, 0), 31622400)
                                 * interval '1 second'
            WHERE t.id = ANY (ids) AND by_id -> t.id::text ? 'snooze'
              AND t.lease_expires_at IS NOT NULL AND t.lease_owner = owner
            RETURNING t.id
        )
        SELECT coalesce(array_agg(id), '{}') INTO retried FROM snoozed;
    END IF;

    IF outcomes @? '$[*] ? (@.ok == false)' THEN
        WITH retry AS (
            UPDATE baton.tasks AS t
            SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL, started_at = NULL,
                run_at = now() + baton.retry_backoff(t.retry_delay, t.attempts),
                errors = t.errors || (by_id -> t.id::text ->> 'error')
            WHERE t.id = ANY (ids) AND NOT (by_id -> t.id::text ->> 'ok')::boolean
              AND t.lease_expires_at IS NOT NULL AND t.lease_owner = owner AND t.attempts < t.max_attempts
            RETURNING t.id
        )
        SELECT retried || coalesce(array_agg(id), '{}') INTO retried FROM retry;
    END IF;

    -- The tasks leaving the queue (primary key), recorded in the same statement; the
    -- ones `owner` no longer held; the chain links among them; and the events, each
    -- `done` unless a chain moves on. A JSON null result is recorded as NULL, as before.
    -- Here and in the retry above, a running task is one with a lease (the table's check
    -- makes them the same): a condition on `state` let the planner read the whole lease
    -- index (tasks_lease_expiry, every running task and the entries of those gone since
    -- the last vacuum: 18,000 a completion in a drain of 40,000) instead of the primary key.
    WITH gone AS (
        DELETE FROM baton.tasks AS t
        WHERE t.id = ANY (ids) AND t.lease_expires_at IS NOT NULL AND t.lease_owner = owner AND t.id <> ALL (retried)
        RETURNING t.id, t.name, t.func, t.args, t.kwargs, t.group_id, t.chain_position, t.attempts, t.enqueued_at,
                  t.started_at, t.cache_ttl, t.hook, t.save, t.queue, t.unique_key, t.unique_for,
                  CASE WHEN (by_id -> t.id::text ->> 'ok')::boolean THEN t.errors
                       ELSE t.errors || (by_id -> t.id::text ->> 'error') END AS errors,
                  (by_id -> t.id::text ->> 'ok')::boolean AS ok,
                  nullif(by_id -> t.id::text -> 'result', 'null') AS result,
                  by_id -> t.id::text ->> 'error' AS error
    ), recorded AS (
        INSERT INTO baton.results (id, name, func, args, kwargs, result, error, success, group_id, chain_position,
                                   attempts, worker, enqueued_at, started_at, errors, queue)
        SELECT id, name, func, args, kwargs, result, error, ok, group_id, chain_position, attempts, owner,
               enqueued_at, started_at, errors, queue
        FROM gone WHERE cache_ttl IS NULL AND (save OR NOT ok)
    ), cached AS (
        INSERT INTO baton.cached_results (id, name, func, args, kwargs, result, error, success, group_id,
                                          chain_position, attempts, worker, enqueued_at, started_at, errors, queue,
                                          expires_at)
        SELECT id, name, func, args, kwargs, result, error, ok, group_id, chain_position, attempts, owner,
               enqueued_at, started_at, errors, queue, now() + cache_ttl
        FROM gone WHERE cache_ttl IS NOT NULL
    ), kept AS (
        -- A finished task's unique key stays taken for its unique_for.
        INSERT INTO baton.unique_keys (kind, key, id, until)
        SELECT 'task', unique_key, id::text, now() + unique_for FROM gone WHERE unique_for IS NOT NULL
        ON CONFLICT (kind, key) DO UPDATE SET id = excluded.id, until = excluded.until
    )
    SELECT (SELECT array_agg(i) FROM unnest(ids) AS i
            WHERE i <> ALL (retried) AND i <> ALL (coalesce((SELECT array_agg(id) FROM gone), '{}'))),
           (SELECT string_agg('done ' || id || ' ' || coalesce(group_id, ''), E'\n') FROM gone
            WHERE chain_position IS NULL),
           (SELECT coalesce(bool_or(strpos(group_id, E'\n') > 0), false) FROM gone),
           (SELECT array_agg(id ORDER BY id) FROM gone WHERE chain_position IS NOT NULL),
           (SELECT array_agg(group_id ORDER BY id) FROM gone WHERE chain_position IS NOT NULL),
           (SELECT array_agg(chain_position ORDER BY id) FROM gone WHERE chain_position IS NOT NULL),
           (SELECT array_agg(ok ORDER BY id) FROM gone WHERE chain_position IS NOT NULL),
           (SELECT array_agg(func ORDER BY id) FROM gone WHERE chain_position IS NOT NULL),
           (SELECT array_agg(ROW(id, name, func, args, kwargs, result, error, ok, group_id, chain_position,
                                 attempts, owner, enqueued_at, started_at, now(), errors, queue, false)::baton.results)
            FROM gone WHERE hook IS NOT NULL),
           (SELECT array_agg(cache_ttl IS NOT NULL) FROM gone WHERE hook IS NOT NULL)
    INTO lost_ids, event_lines, has_break, link_ids, link_groups, link_positions, link_ok, link_funcs, hooked_rows,
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
                                           chain_position, attempts, worker, enqueued_at, started_at, errors, queue,
                                           cancelled)
                SELECT id, name, func, args, kwargs, NULL, reason, false, group_id, chain_position, 0, NULL,
                       enqueued_at, NULL, errors, queue, true
                FROM rest WHERE cache_ttl IS NULL
            ), cached AS (
                INSERT INTO baton.cached_results (id, name, func, args, kwargs, result, error, success, group_id,
                                                  chain_position, attempts, worker, enqueued_at, started_at, errors,
                                                  queue, cancelled, expires_at)
                SELECT id, name, func, args, kwargs, NULL, reason, false, group_id, chain_position, 0, NULL,
                       enqueued_at, NULL, errors, queue, true, now() + cache_ttl
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

        -- The next links: leased to `owner` when it runs their function and serves their queue,
        -- one no claim must count first (neither paused nor limited). Each is looked up on its
        -- own (tasks_group_position; the LIMIT keeps the lookup from being flattened into a
        -- join) and updated by its address: a join let the planner, misled by a queue it had
        -- no statistics for, read the whole queue for each batch.
        SELECT coalesce(array_agg(link.ctid), '{}'),
               coalesce(array_agg(link.ctid) FILTER (
                   WHERE link.func = ANY (functions) AND link.queue = ANY (queues)
                     AND NOT EXISTS (SELECT 1 FROM baton.queues AS q
                                     WHERE q.name = link.queue AND (q.paused OR q.running_limit IS NOT NULL))), '{}')
        INTO next_ctids, taken_ctids
        FROM unnest(advance_groups, advance_positions) AS f (group_id, position)
        CROSS JOIN LATERAL (
            SELECT t.ctid, t.func, t.queue FROM baton.tasks AS t
            WHERE t.group_id = f.group_id AND t.chain_position = f.position + 1 AND t.state = 'waiting'
            LIMIT 1
        ) AS link;
        WITH next_links AS (
            UPDATE baton.tasks AS next
            SET state = CASE WHEN next.ctid = ANY (taken_ctids) THEN 'running' ELSE 'queued' END,
                run_at = now(),
                attempts = next.attempts + CASE WHEN next.ctid = ANY (taken_ctids) THEN 1 ELSE 0 END,
                lease_owner = CASE WHEN next.ctid = ANY (taken_ctids) THEN owner END,
                lease_expires_at = CASE WHEN next.ctid = ANY (taken_ctids) THEN now() + lease END,
                started_at = CASE WHEN next.ctid = ANY (taken_ctids) THEN now() END
            WHERE next.ctid = ANY (next_ctids)
            RETURNING next
        )
        SELECT coalesce(array_agg(next), '{}') INTO released FROM next_links;

        -- A chain link's event is `released` when its next link was left in the queue (which
        -- wakes idle workers), else `done`; a chain whose link moved nothing on may have
        -- ended. A chain has one link in flight at a time.
        SELECT concat_ws(E'\n', event_lines, string_agg(
                   CASE WHEN moved.state = 'queued' THEN 'released ' ELSE 'done ' END || f.id || ' ' || f.group_id,
                   E'\n')),
               array_agg(f.group_id) FILTER (WHERE moved.group_id IS NULL)
        INTO event_lines, ended
        FROM unnest(link_ids, link_groups) AS f (id, group_id)
        LEFT JOIN unnest(released) AS moved ON moved.group_id = f.group_id;

        IF ended IS NOT NULL THEN
            -- The groups' rows locked first, in id order: of two batches finishing an iter's
            -- last two tasks at once, the second to lock sees the first's deletion (its next
            -- statement's snapshot), so one of them marks the iter finished.
            PERFORM 1 FROM baton.groups AS g WHERE g.id = ANY (ended) ORDER BY g.id FOR UPDATE;
            -- A finished group's unique key stays taken for its unique_for.
            WITH finished AS (
                UPDATE baton.groups AS g SET finished_at = now()
                WHERE g.id = ANY (ended) AND NOT EXISTS (SELECT 1 FROM baton.tasks AS t WHERE t.group_id = g.id)
                RETURNING g.id, g.unique_key, g.unique_for
            )
            INSERT INTO baton.unique_keys (kind, key, id, until)
            SELECT 'group', unique_key, id, now() + unique_for FROM finished WHERE unique_for IS NOT NULL
            ON CONFLICT (kind, key) DO UPDATE SET id = excluded.id, until = excluded.until;
        END IF;
    END IF;

    IF event_lines IS NOT NULL THEN
        event_lines := CASE WHEN octet_length(event_lines) > 7900 OR has_break THEN 'all' ELSE event_lines END;
        IF notify THEN
            PERFORM pg_notify('baton', event_lines);
        ELSE
            RETURN QUERY SELECT NULL::uuid, NULL::baton.tasks, NULL::baton.results, NULL::boolean, event_lines;
        END IF;
    END IF;

    IF lost_ids IS NOT NULL THEN
        RETURN QUERY SELECT l, NULL::baton.tasks, NULL::baton.results, NULL::boolean, NULL::text FROM unnest(lost_ids) AS l;
    END IF;
    IF released <> '{}' THEN
        RETURN QUERY SELECT NULL::uuid, r::baton.tasks, NULL::baton.results, NULL::boolean, NULL::text
                     FROM unnest(released) AS r WHERE r.state = 'running';
    END IF;
    IF hooked_rows IS NOT NULL THEN
        RETURN QUERY SELECT NULL::uuid, NULL::baton.tasks, hooked_rows[i], hooked_in_cache[i], NULL::text
                     FROM generate_subscripts(hooked_rows, 1) AS i;
    END IF;
END $$;
