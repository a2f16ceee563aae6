-- Enqueues a chain whole: link 0 queued, the others waiting. Returns the chain's group id.
-- Each link's own options win over the call's (a link's `queue` over `queue`); `run_at`
-- delays link 0. With a `unique_key`, no second chain with that key is enqueued until the
-- first has finished whole (or, with `unique_for`, for that long after): the existing
-- chain's group id is returned instead (baton.make_group). Every link carries `trace`, the
-- enqueuing span's context (baton.async_task).
-- Its signature before 0020, without `queue`, `run_at` and the unique key.
DROP FUNCTION IF EXISTS baton.async_chain(jsonb, text, interval, text, integer, interval, interval, boolean, text,
                                          boolean);
CREATE OR REPLACE FUNCTION baton.async_chain(
    chain jsonb, "group" text DEFAULT NULL, cached interval DEFAULT NULL, failure_policy text DEFAULT 'stop',
    max_attempts integer DEFAULT 1, retry_delay interval DEFAULT '1 second', timeout interval DEFAULT NULL,
    notify boolean DEFAULT true, hook text DEFAULT NULL, save boolean DEFAULT true, queue text DEFAULT 'default',
    run_at timestamptz DEFAULT NULL, unique_key text DEFAULT NULL, unique_for interval DEFAULT NULL,
    trace jsonb DEFAULT NULL
) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    chain_id text := coalesce("group", baton.new_id()::text);
    made record;
BEGIN
    IF chain IS NULL OR jsonb_typeof(chain) <> 'array' THEN
        RAISE EXCEPTION 'baton.async_chain: the chain must be a JSON array of [func, [args], {kwargs}] links, not %',
            coalesce(jsonb_typeof(chain), 'NULL') USING ERRCODE = 'QB001';
    END IF;
    IF jsonb_array_length(chain) = 0 THEN
        RAISE EXCEPTION 'baton.async_chain: the chain is empty' USING ERRCODE = 'QB001';
    END IF;
    IF failure_policy IS NULL OR failure_policy NOT IN ('stop', 'continue') THEN
        RAISE EXCEPTION 'baton.async_chain: failure_policy is ''stop'' or ''continue'', not %',
            coalesce(failure_policy, 'NULL') USING ERRCODE = 'QB001';
    END IF;
    PERFORM baton.check_queue(async_chain.queue, 'baton.async_chain');
    IF async_chain.trace IS NOT NULL THEN
        PERFORM baton.check_trace(async_chain.trace, 'baton.async_chain');
    END IF;
    SELECT * INTO made FROM baton.make_group(chain_id, 'chain', jsonb_array_length(chain), failure_policy,
                                             unique_key, unique_for, 'baton.async_chain');
    IF NOT made.made THEN
        RETURN made.id;
    END IF;
    -- Set before the insert: tasks_wake reads it as each row goes in, and notifies at commit.
    IF notify THEN
        PERFORM set_config('baton.wake', 'on', true);
    END IF;
    INSERT INTO baton.tasks (id, name, func, args, kwargs, group_id, chain_position, state, cache_ttl, priority,
                             max_attempts, retry_delay, timeout, hook, save, queue, run_at, trace)
    SELECT baton.new_id(), coalesce(link.task_name, link.func), link.func, link.args, link.kwargs, chain_id,
           links.ordinal - 1, CASE WHEN links.ordinal = 1 THEN 'queued' ELSE 'waiting' END, cached,
           coalesce(link.priority, 0), coalesce(link.max_attempts, async_chain.max_attempts),
           coalesce(link.retry_delay, async_chain.retry_delay), coalesce(link.timeout, async_chain.timeout),
           coalesce(link.hook, async_chain.hook), coalesce(link.save, async_chain.save, true),
           coalesce(link.queue, async_chain.queue),
           CASE WHEN links.ordinal = 1 THEN coalesce(async_chain.run_at, now()) ELSE now() END, async_chain.trace
    FROM jsonb_array_elements(chain) WITH ORDINALITY AS links (element, ordinal)
    CROSS JOIN LATERAL baton.parse_link(links.element, 'chain link ' || (links.ordinal - 1)) AS link
    ORDER BY links.ordinal;
    RETURN chain_id;
END $$;
