-- Completions send their events after their commit instead of in it. PostgreSQL
-- serialises the commits of the transactions that sent a NOTIFY, disk flush included, so
-- the completions of several clusters committed one after another, never flushed together:
-- twenty clusters of one worker processed about a third fewer tasks with the NOTIFY in the
-- completion than without it. A cluster now calls baton.complete_tasks with `notify =>
-- false`, gets the batch's events back in a row of their own, and sends them once the
-- completion has committed, in a transaction of their own that does not wait for the disk
-- (it holds NOTIFY's lock for microseconds). Anyone else's call, and a cluster of an
-- earlier release, still notifies in the completion's transaction (the default).
--
-- Should the cluster die between the two, the events are lost and nothing else is: the
-- outcome is recorded; a waiter finds it at its next check (every 5 s), a released chain
-- link waits for a cluster's idle check.
--
-- The completion and the heartbeat also find their tasks by primary key whatever the
-- statistics say: they write "running" as "has a lease", which no partial index answers.

-- baton.complete_tasks of 0016, with `notify` and the column `events`: with `notify =>
-- false` the batch's NOTIFY payload (one event per line, or `all`) comes back in a row of
-- its own, every other column NULL, and nothing is sent.
DROP FUNCTION baton.complete_tasks(text, jsonb, text[], interval);
CREATE FUNCTION baton.complete_tasks(
    owner text, outcomes jsonb, functions text[], lease interval, notify boolean DEFAULT true
)
RETURNS TABLE (lost uuid, task baton.tasks, hooked baton.results, hooked_cached boolean, events text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    -- The outcomes' task ids, and each outcome by its task's id (in PostgreSQL's text form).
    ids uuid[];
    by_id jsonb;
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
        SELECT coalesce(array_agg(id), '{}') INTO retried FROM retry;
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
                  t.started_at, t.cache_ttl, t.hook, t.save,
                  CASE WHEN (by_id -> t.id::text ->> 'ok')::boolean THEN t.errors
                       ELSE t.errors || (by_id -> t.id::text ->> 'error') END AS errors,
                  (by_id -> t.id::text ->> 'ok')::boolean AS ok,
                  nullif(by_id -> t.id::text -> 'result', 'null') AS result,
                  by_id -> t.id::text ->> 'error' AS error
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
                                 attempts, owner, enqueued_at, started_at, now(), errors)::baton.results)
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
        SELECT concat_ws(E'\n', event_lines, string_agg(
                   CASE WHEN moved.state = 'queued' THEN 'released ' ELSE 'done ' END || f.id || ' ' || f.group_id,
                   E'\n')),
               array_agg(f.group_id) FILTER (WHERE moved.group_id IS NULL)
        INTO event_lines, ended
        FROM unnest(link_ids, link_groups) AS f (id, group_id)
        LEFT JOIN unnest(released) AS moved ON moved.group_id = f.group_id;

        IF ended IS NOT NULL THEN
            UPDATE baton.groups AS g SET finished_at = now()
            WHERE g.id = ANY (ended) AND NOT EXISTS (SELECT 1 FROM baton.tasks AS t WHERE t.group_id = g.id);
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

-- baton.heartbeat of 0014, finding the leases to renew by primary key whatever the
-- statistics say, as the completion does: with `state = 'running'` the planner could read
-- every running task in the lease index (tasks_lease_expiry) instead.
CREATE OR REPLACE FUNCTION baton.heartbeat(
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
                     WHERE t.id = ANY (held) AND t.lease_expires_at IS NOT NULL AND t.lease_owner = cluster_name
                     FOR UPDATE SKIP LOCKED)
        RETURNING baton.tasks.id
    )
    SELECT renewed.id FROM renewed;
END $$;

-- baton.grant_roles of 0017, granting each role its functions by name, whatever their
-- arguments, so that a function whose signature changes needs no new copy of it.
CREATE OR REPLACE FUNCTION baton.grant_roles() RETURNS SETOF text
LANGUAGE plpgsql SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    role_name text;
    routine regprocedure;
    -- What each role may call.
    enqueue_functions text[] := ARRAY['async_task', 'async_tasks', 'async_chain', 'async_iter', 'join_group',
                                      'is_open_group'];
    worker_functions text[] := ARRAY['claim_tasks', 'complete_task', 'complete_tasks', 'release_task',
                                     'release_tasks', 'cluster_heartbeat', 'heartbeat', 'rescue_expired_task',
                                     'prune_expired', 'next_due', 'leave_cluster', 'vanished_tasks', 'await_work',
                                     'await_enqueuers'];
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
                                                  WHEN 'baton_worker' THEN worker_functions END)
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
                        baton.waiting_clusters, baton.all_results, baton.chain_status, baton.function_stats,
                        baton.schema_migrations
        TO baton_read;
        DROP POLICY IF EXISTS read_tasks ON baton.tasks;
        CREATE POLICY read_tasks ON baton.tasks FOR SELECT TO baton_read USING (true);
    END IF;
END $$;

SELECT baton.grant_roles();
