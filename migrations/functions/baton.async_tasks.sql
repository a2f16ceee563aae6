-- Enqueues many tasks in one statement: `tasks` is a JSON array of links
-- ([func, [args], {kwargs}, {options}] or {"func": ...}); the call's options apply to each
-- unless its own say otherwise. Returns the task ids in the order given. One bad link
-- raises, naming it, and enqueues none. A link's `queue` option wins over `queue`. Every task
-- carries `trace`, the enqueuing span's context (baton.async_task).
-- Its signature before 0020, without `queue` and `run_at`.
DROP FUNCTION IF EXISTS baton.async_tasks(jsonb, text, interval, integer, integer, interval, interval, boolean, text,
                                          boolean);
CREATE OR REPLACE FUNCTION baton.async_tasks(
    tasks jsonb, "group" text DEFAULT NULL, cached interval DEFAULT NULL, priority integer DEFAULT 0,
    max_attempts integer DEFAULT 1, retry_delay interval DEFAULT '1 second', timeout interval DEFAULT NULL,
    notify boolean DEFAULT true, hook text DEFAULT NULL, save boolean DEFAULT true, queue text DEFAULT 'default',
    run_at timestamptz DEFAULT NULL, trace jsonb DEFAULT NULL
) RETURNS SETOF uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
BEGIN
    IF tasks IS NULL OR jsonb_typeof(tasks) <> 'array' THEN
        RAISE EXCEPTION 'baton.async_tasks: tasks must be a JSON array of [func, [args], {kwargs}] links, not %',
            coalesce(jsonb_typeof(tasks), 'NULL') USING ERRCODE = 'QB001';
    END IF;
    PERFORM baton.check_queue(async_tasks.queue, 'baton.async_tasks');
    IF async_tasks.trace IS NOT NULL THEN
        PERFORM baton.check_trace(async_tasks.trace, 'baton.async_tasks');
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
                             retry_delay, timeout, hook, save, queue, run_at, trace)
    SELECT baton.new_id(), coalesce(link.task_name, link.func), link.func, link.args, link.kwargs, "group", cached,
           coalesce(link.priority, async_tasks.priority), coalesce(link.max_attempts, async_tasks.max_attempts),
           coalesce(link.retry_delay, async_tasks.retry_delay), coalesce(link.timeout, async_tasks.timeout),
           coalesce(link.hook, async_tasks.hook), coalesce(link.save, async_tasks.save, true),
           coalesce(link.queue, async_tasks.queue), coalesce(async_tasks.run_at, now()), async_tasks.trace
    FROM jsonb_array_elements(tasks) WITH ORDINALITY AS links (element, ordinal)
    CROSS JOIN LATERAL baton.parse_link(links.element, 'task ' || (links.ordinal - 1)) AS link
    ORDER BY links.ordinal
    RETURNING id;
END $$;
