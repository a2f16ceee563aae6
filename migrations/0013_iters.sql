-- django-q's async_iter: one function over many argument lists, one task each, in a group
-- of kind 'iter' whose result is the list of the tasks' results in the order given.

ALTER TABLE baton.groups DROP CONSTRAINT groups_kind_check;
ALTER TABLE baton.groups ADD CONSTRAINT groups_kind_check CHECK (kind IN ('group', 'chain', 'iter'));

-- A task joins (or creates) a plain group; a chain's or an iter's group takes no other tasks.
CREATE OR REPLACE FUNCTION baton.join_group(group_name text, caller text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    existing text;
BEGIN
    INSERT INTO baton.groups (id, kind) VALUES (group_name, 'group') ON CONFLICT (id) DO NOTHING;
    IF NOT FOUND THEN
        SELECT kind INTO existing FROM baton.groups WHERE id = group_name;
        IF existing <> 'group' THEN
            RAISE EXCEPTION '%: "%" is %, not a group; give the task another group', caller, group_name,
                CASE existing WHEN 'iter' THEN 'an iter' ELSE 'a ' || existing END
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END IF;
END $$;

-- Enqueues `func` once per element of `args_list` (an array of argument arrays; any other
-- element is that task's one argument, as django-q's async_iter takes it), as one group of
-- kind 'iter'. Returns the iter's id. The tasks run side by side; each keeps its place in
-- `chain_position`, for the results' order, and the group's policy is `continue`, so that a
-- failed one cancels none of the others.
CREATE FUNCTION baton.async_iter(
    func text, args_list jsonb, cached interval DEFAULT NULL, priority integer DEFAULT 0,
    max_attempts integer DEFAULT 1, retry_delay interval DEFAULT '1 second', timeout interval DEFAULT NULL,
    notify boolean DEFAULT true
) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    iter_id text := baton.new_id()::text;
BEGIN
    IF func IS NULL OR func = '' THEN
        RAISE EXCEPTION 'baton.async_iter: the function name is missing' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF args_list IS NULL OR jsonb_typeof(args_list) <> 'array' THEN
        RAISE EXCEPTION 'baton.async_iter: args_list must be a JSON array of argument lists, not %',
            coalesce(jsonb_typeof(args_list), 'NULL') USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO baton.groups (id, kind, length, failure_policy)
    VALUES (iter_id, 'iter', jsonb_array_length(args_list), 'continue');
    INSERT INTO baton.tasks (id, name, func, args, kwargs, group_id, chain_position, cache_ttl, priority,
                             max_attempts, retry_delay, timeout)
    SELECT baton.new_id(), func, func,
           CASE WHEN jsonb_typeof(element) = 'array' THEN element ELSE jsonb_build_array(element) END, '{}',
           iter_id, ordinal - 1, cached, priority, max_attempts, retry_delay, timeout
    FROM jsonb_array_elements(args_list) WITH ORDINALITY AS elements (element, ordinal)
    ORDER BY ordinal;
    IF notify AND jsonb_array_length(args_list) > 0 THEN
        PERFORM pg_notify('baton', 'queued');
    END IF;
    RETURN iter_id;
END $$;
