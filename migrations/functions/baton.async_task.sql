-- Enqueues one task; with a group name, the task joins that group. Returns the task id.
-- A `q_options` member of `kwargs` is read as django-q reads it: options that win over these.
-- `queue` names its queue; `run_at`, when given, is the earliest time it may run. With a
-- `unique_key`, no second task with that key is enqueued while one is queued, waiting or
-- running (or, with `unique_for`, for that long after it finished): the existing task's id
-- is returned instead. Concurrent callers with one key wait for each other on the index
-- tasks_unique_key; one inserts. `trace`, the enqueuing span's context as a propagator
-- injects it ({"traceparent": "00-..."}), makes each attempt's span its child (docs/tracing.md).
-- Its signature before 0020, without `queue`, `run_at` and the unique key.
DROP FUNCTION IF EXISTS baton.async_task(text, jsonb, jsonb, text, interval, text, integer, integer, interval,
                                         interval, boolean, text, boolean);
CREATE OR REPLACE FUNCTION baton.async_task(
    func text, args jsonb DEFAULT '[]', kwargs jsonb DEFAULT '{}', "group" text DEFAULT NULL,
    cached interval DEFAULT NULL, name text DEFAULT NULL, priority integer DEFAULT 0,
    max_attempts integer DEFAULT 1, retry_delay interval DEFAULT '1 second', timeout interval DEFAULT NULL,
    notify boolean DEFAULT true, hook text DEFAULT NULL, save boolean DEFAULT true, queue text DEFAULT 'default',
    run_at timestamptz DEFAULT NULL, unique_key text DEFAULT NULL, unique_for interval DEFAULT NULL,
    trace jsonb DEFAULT NULL
) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    link record;
    task_id uuid := baton.new_id();
    existing uuid;
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
    IF async_task.trace IS NOT NULL THEN
        PERFORM baton.check_trace(async_task.trace, 'baton.async_task');
    END IF;
    IF "group" IS NOT NULL THEN
        PERFORM baton.join_group("group", 'baton.async_task');
    END IF;
    -- Set before the insert: tasks_wake reads it as each row goes in, and notifies at commit.
    IF notify THEN
        PERFORM set_config('baton.wake', 'on', true);
    END IF;
    IF unique_for IS NOT NULL AND unique_key IS NULL THEN
        RAISE EXCEPTION 'baton.async_task: unique_for goes with a unique_key' USING ERRCODE = 'QB001';
    END IF;
    -- Without a key the loop inserts once and returns: baton.unique_holder is called only
    -- for a key (its two calls took a fifth of an enqueue's time in the database).
    LOOP
        -- A task with the key that finished within its unique_for.
        IF unique_key IS NOT NULL THEN
            existing := baton.unique_holder('task', unique_key);
            EXIT WHEN existing IS NOT NULL;
        END IF;
        INSERT INTO baton.tasks (id, name, func, args, kwargs, group_id, cache_ttl, priority, max_attempts,
                                 retry_delay, timeout, hook, save, queue, run_at, unique_key, unique_for, trace)
        VALUES (task_id, coalesce(async_task.name, func), func, args, kwargs, "group", cached, async_task.priority,
                async_task.max_attempts, async_task.retry_delay, async_task.timeout, async_task.hook,
                coalesce(async_task.save, true), async_task.queue, coalesce(async_task.run_at, now()),
                async_task.unique_key, async_task.unique_for, async_task.trace)
        -- Only tasks_unique_key can refuse it: the id is new.
        ON CONFLICT DO NOTHING;
        IF FOUND THEN
            IF unique_key IS NULL THEN
                RETURN task_id;
            END IF;
            -- One with the key may have finished as this one went in: its key, still taken, wins.
            existing := baton.unique_holder('task', unique_key);
            IF existing IS NULL THEN
                RETURN task_id;
            END IF;
            DELETE FROM baton.tasks AS t WHERE t.id = task_id;
            EXIT;
        END IF;
        SELECT t.id INTO existing FROM baton.tasks AS t WHERE t.unique_key = async_task.unique_key;
        EXIT WHEN existing IS NOT NULL;
        -- It finished between the two looks: look again.
    END LOOP;
    RETURN existing;
END $$;
