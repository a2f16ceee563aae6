-- Runs a failed or cancelled task again by hand (`task_id`), or a group's failed and
-- cancelled tasks (`group_id`; for a chain, from its first link that did not succeed on).
-- Each record leaves the history (baton.results, or the cache) and its task is queued again
-- with its id, function, arguments, queue and history (attempts made, errors), one more
-- attempt allowed; a chain link's cancelled links after it wait behind it again, and the
-- chain is unfinished again. Raises QB001 for a task that succeeded, is unfinished, or is
-- unknown. Returns the tasks queued again, the first of them the one that runs next.
CREATE OR REPLACE FUNCTION baton.retry(task_id uuid DEFAULT NULL, group_id text DEFAULT NULL)
RETURNS SETOF uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    first baton.all_results;
    kind text;
    picked uuid[];
BEGIN
    IF (task_id IS NULL) = (group_id IS NULL) THEN
        RAISE EXCEPTION 'baton.retry: name a task or a group, one of them' USING ERRCODE = 'QB001';
    END IF;
    IF retry.group_id IS NOT NULL THEN
        SELECT g.kind INTO kind FROM baton.groups AS g WHERE g.id = retry.group_id;
        IF kind = 'chain' THEN
            SELECT * INTO first FROM baton.all_results AS r
            WHERE r.group_id = retry.group_id AND NOT r.success ORDER BY r.chain_position LIMIT 1;
            picked := ARRAY[first.id];
        ELSE
            SELECT array_agg(r.id) INTO picked FROM baton.all_results AS r
            WHERE r.group_id = retry.group_id AND NOT r.success;
        END IF;
        IF picked IS NULL OR picked = ARRAY[NULL::uuid] THEN
            RAISE EXCEPTION 'baton.retry: group "%" has no failed or cancelled task', left(retry.group_id, 100)
                USING ERRCODE = 'QB001';
        END IF;
    ELSE
        SELECT * INTO first FROM baton.all_results AS r WHERE r.id = task_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'baton.retry: task % %', task_id,
                CASE WHEN EXISTS (SELECT 1 FROM baton.tasks AS t WHERE t.id = task_id) THEN 'has not finished'
                     ELSE 'is not known (or its result was not kept)' END USING ERRCODE = 'QB001';
        ELSIF first.success THEN
            RAISE EXCEPTION 'baton.retry: task % succeeded; there is nothing to run again', task_id
                USING ERRCODE = 'QB001';
        END IF;
        picked := ARRAY[first.id];
    END IF;
    PERFORM set_config('baton.wake', 'on', true);
    RETURN QUERY
    WITH stored AS (
        DELETE FROM baton.results AS x
        WHERE x.id = ANY (picked)
           OR (first.chain_position IS NOT NULL AND x.group_id = first.group_id
               AND x.chain_position > first.chain_position AND x.cancelled)
        RETURNING x.*, NULL::interval AS ttl
    ), cached AS (
        DELETE FROM baton.cached_results AS x
        WHERE x.id = ANY (picked)
           OR (first.chain_position IS NOT NULL AND x.group_id = first.group_id
               AND x.chain_position > first.chain_position AND x.cancelled)
        RETURNING x.id, x.name, x.func, x.args, x.kwargs, x.result, x.error, x.success, x.group_id, x.chain_position,
                  x.attempts, x.worker, x.enqueued_at, x.started_at, x.stopped_at, x.errors, x.queue, x.cancelled,
                  greatest(x.expires_at - x.stopped_at, interval '1 second') AS ttl
    ), again AS (
        INSERT INTO baton.tasks (id, name, func, args, kwargs, group_id, chain_position, state, attempts, max_attempts,
                                 errors, queue, enqueued_at, cache_ttl)
        SELECT a.id, a.name, a.func, a.args, a.kwargs, a.group_id, a.chain_position,
               CASE WHEN a.id = ANY (picked) THEN 'queued' ELSE 'waiting' END, a.attempts, a.attempts + 1, a.errors,
               a.queue, a.enqueued_at, a.ttl
        FROM (SELECT * FROM stored UNION ALL SELECT * FROM cached) AS a
        RETURNING id, chain_position
    ), reopened AS (
        UPDATE baton.groups AS g SET finished_at = NULL
        WHERE g.id = first.group_id OR g.id = retry.group_id
    )
    SELECT id FROM again ORDER BY chain_position NULLS FIRST, id;
END $$;
