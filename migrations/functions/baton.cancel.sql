-- Cancels a task (`task_id`: with the links after it, for a chain link) or every unfinished
-- task of a group or chain (`group_id`): each leaves the queue and is recorded as cancelled
-- (`cancelled` true, `error` the reason), running ones included; waiters return. The
-- clusters running any of them hear `cancelled <task> <group>` at commit and cancel the
-- task functions; what those do afterwards is not recorded. A cancelled task's unique key
-- is free at once. Returns the tasks cancelled (none: nothing unfinished by that id).
CREATE OR REPLACE FUNCTION baton.cancel(task_id uuid DEFAULT NULL, group_id text DEFAULT NULL,
                                        reason text DEFAULT 'cancelled')
RETURNS SETOF uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    link baton.tasks;
    gone uuid[];
    lines text;
    groups text[];
BEGIN
    IF (task_id IS NULL) = (group_id IS NULL) THEN
        RAISE EXCEPTION 'baton.cancel: name a task or a group, one of them' USING ERRCODE = 'QB001';
    END IF;
    SELECT * INTO link FROM baton.tasks AS t WHERE t.id = cancel.task_id;
    WITH doomed AS (
        DELETE FROM baton.tasks AS t
        WHERE t.id = cancel.task_id
           OR (link.chain_position IS NOT NULL AND t.group_id = link.group_id
               AND t.chain_position > link.chain_position)
           OR t.group_id = cancel.group_id
        RETURNING t.*
    ), recorded AS (
        INSERT INTO baton.results (id, name, func, args, kwargs, result, error, success, group_id, chain_position,
                                   attempts, worker, enqueued_at, started_at, errors, queue, cancelled)
        SELECT id, name, func, args, kwargs, NULL, coalesce(reason, 'cancelled'), false, doomed.group_id,
               chain_position, attempts, lease_owner, enqueued_at, started_at, errors, queue, true
        FROM doomed WHERE cache_ttl IS NULL
    ), cached AS (
        INSERT INTO baton.cached_results (id, name, func, args, kwargs, result, error, success, group_id,
                                          chain_position, attempts, worker, enqueued_at, started_at, errors, queue,
                                          cancelled, expires_at)
        SELECT id, name, func, args, kwargs, NULL, coalesce(reason, 'cancelled'), false, doomed.group_id,
               chain_position, attempts, lease_owner, enqueued_at, started_at, errors, queue, true, now() + cache_ttl
        FROM doomed WHERE cache_ttl IS NOT NULL
    )
    SELECT array_agg(id), string_agg('cancelled ' || id || ' ' || coalesce(doomed.group_id, ''), E'\n'),
           array_agg(DISTINCT doomed.group_id) FILTER (WHERE doomed.group_id IS NOT NULL)
    INTO gone, lines, groups
    FROM doomed;
    IF gone IS NULL THEN
        RETURN;
    END IF;
    -- Groups and chains with nothing left unfinished have ended (their rows locked in id order
    -- first, as baton.complete_tasks does, so that a completion beside this sees the deletions).
    PERFORM 1 FROM baton.groups AS g WHERE g.id = ANY (groups) ORDER BY g.id FOR UPDATE;
    UPDATE baton.groups AS g SET finished_at = now()
    WHERE g.id = ANY (groups) AND g.finished_at IS NULL AND g.length IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM baton.tasks AS t WHERE t.group_id = g.id);
    -- A group name with a line break would split its event; too many events do not fit.
    PERFORM pg_notify('baton', CASE WHEN octet_length(lines) > 7900
                                         OR EXISTS (SELECT 1 FROM unnest(groups) AS n WHERE strpos(n, E'\n') > 0)
                                    THEN 'all' ELSE lines END);
    RETURN QUERY SELECT unnest(gone);
END $$;
