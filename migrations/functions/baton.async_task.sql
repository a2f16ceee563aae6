-- Enqueues one task; with a group name, the task joins that group. Returns the task id.
-- A `q_options` member of `kwargs` is read as django-q reads it: options that win over these.
-- `queue` names its queue; `run_at`, when given, is the earliest time it may run.
-- Its signature before 0020, without `queue` and `run_at`.
DROP FUNCTION IF EXISTS baton.async_task(text, jsonb, jsonb, text, interval, text, integer, integer, interval,
                                         interval, boolean, text, boolean);
CREATE OR REPLACE FUNCTION baton.async_task(
    func text, args jsonb DEFAULT '[]', kwargs jsonb DEFAULT '{}', "group" text DEFAULT NULL,
    cached interval DEFAULT NULL, name text DEFAULT NULL, priority integer DEFAULT 0,
    max_attempts integer DEFAULT 1, retry_delay interval DEFAULT '1 second', timeout interval DEFAULT NULL,
    notify boolean DEFAULT true, hook text DEFAULT NULL, save boolean DEFAULT true, queue text DEFAULT 'default',
    run_at timestamptz DEFAULT NULL
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
        async_task.queue := coalesce(link.queue, async_task.queue);
    END IF;
    PERFORM baton.check_queue(async_task.queue, 'baton.async_task');
    IF "group" IS NOT NULL THEN
        PERFORM baton.join_group("group", 'baton.async_task');
    END IF;
    -- Set before the insert: tasks_wake reads it as each row goes in, and notifies at commit.
    IF notify THEN
        PERFORM set_config('baton.wake', 'on', true);
    END IF;
    INSERT INTO baton.tasks (id, name, func, args, kwargs, group_id, cache_ttl, priority, max_attempts, retry_delay,
                             timeout, hook, save, queue, run_at)
    VALUES (task_id, coalesce(async_task.name, func), func, args, kwargs, "group", cached, async_task.priority,
            async_task.max_attempts, async_task.retry_delay, async_task.timeout, async_task.hook,
            coalesce(async_task.save, true), async_task.queue, coalesce(async_task.run_at, now()));
    RETURN task_id;
END $$;
