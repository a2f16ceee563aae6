-- Enqueues `func` once per element of `args_list` (an array of argument arrays; any other
-- element is that task's one argument, as django-q's async_iter takes it), as one group of
-- kind 'iter'. Returns the iter's id. The tasks run side by side; each keeps its place in
-- `chain_position`, for the results' order, and the group's policy is `continue`, so that a
-- failed one cancels none of the others. `queue` names their queue; `run_at`, when given,
-- is the earliest time they may run. With a `unique_key`, no second iter with that key is
-- enqueued until the first has finished whole (or, with `unique_for`, for that long after):
-- the existing iter's id is returned instead (baton.make_group). Every task carries `trace`,
-- the enqueuing span's context (baton.async_task).
-- Its signature before 0020, without `queue` and `run_at`.
DROP FUNCTION IF EXISTS baton.async_iter(text, jsonb, interval, integer, integer, interval, interval, boolean, text,
                                         boolean);
CREATE OR REPLACE FUNCTION baton.async_iter(
    func text, args_list jsonb, cached interval DEFAULT NULL, priority integer DEFAULT 0,
    max_attempts integer DEFAULT 1, retry_delay interval DEFAULT '1 second', timeout interval DEFAULT NULL,
    notify boolean DEFAULT true, hook text DEFAULT NULL, save boolean DEFAULT true, queue text DEFAULT 'default',
    run_at timestamptz DEFAULT NULL, unique_key text DEFAULT NULL, unique_for interval DEFAULT NULL,
    trace jsonb DEFAULT NULL
) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    iter_id text := baton.new_id()::text;
    made record;
BEGIN
    IF func IS NULL OR func = '' THEN
        RAISE EXCEPTION 'baton.async_iter: the function name is missing' USING ERRCODE = 'QB001';
    END IF;
    IF args_list IS NULL OR jsonb_typeof(args_list) <> 'array' THEN
        RAISE EXCEPTION 'baton.async_iter: args_list must be a JSON array of argument lists, not %',
            coalesce(jsonb_typeof(args_list), 'NULL') USING ERRCODE = 'QB001';
    END IF;
    PERFORM baton.check_queue(async_iter.queue, 'baton.async_iter');
    IF async_iter.trace IS NOT NULL THEN
        PERFORM baton.check_trace(async_iter.trace, 'baton.async_iter');
    END IF;
    SELECT * INTO made FROM baton.make_group(iter_id, 'iter', jsonb_array_length(args_list), 'continue', unique_key,
                                             unique_for, 'baton.async_iter');
    IF NOT made.made THEN
        RETURN made.id;
    END IF;
    -- Set before the insert: tasks_wake reads it as each row goes in, and notifies at commit.
    IF notify THEN
        PERFORM set_config('baton.wake', 'on', true);
    END IF;
    INSERT INTO baton.tasks (id, name, func, args, kwargs, group_id, chain_position, cache_ttl, priority,
                             max_attempts, retry_delay, timeout, hook, save, queue, run_at, trace)
    SELECT baton.new_id(), func, func,
           CASE WHEN jsonb_typeof(element) = 'array' THEN element ELSE jsonb_build_array(element) END, '{}',
           iter_id, ordinal - 1, cached, priority, max_attempts, retry_delay, timeout, hook, coalesce(save, true),
           async_iter.queue, coalesce(async_iter.run_at, now()), async_iter.trace
    FROM jsonb_array_elements(args_list) WITH ORDINALITY AS elements (element, ordinal)
    ORDER BY ordinal;
    RETURN iter_id;
END $$;
