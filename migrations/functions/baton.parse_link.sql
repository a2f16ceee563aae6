-- Reads one link, [func, [args], {kwargs}, {options}] or {"func": ..., "args": ...,
-- "kwargs": ..., "q_options": ...}; raises a clear error (SQLSTATE QB001, Baton's invalid
-- input) for anything else, naming the link by `label` ('chain link 3', 'task'). An option
-- not given is NULL.
-- Its signature before 0020, without `queue`.
DROP FUNCTION IF EXISTS baton.parse_link(jsonb, text);
CREATE OR REPLACE FUNCTION baton.parse_link(
    link jsonb, label text, OUT func text, OUT args jsonb, OUT kwargs jsonb, OUT timeout interval,
    OUT max_attempts integer, OUT retry_delay interval, OUT priority integer, OUT hook text, OUT task_name text,
    OUT save boolean, OUT queue text
)
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    name_value jsonb;
    options jsonb;
    given jsonb;
    unknown text;
BEGIN
    CASE jsonb_typeof(link)
    WHEN 'array' THEN
        IF jsonb_array_length(link) > 4 THEN
            RAISE EXCEPTION 'baton: % has % elements; a link is [func, [args], {kwargs}, {options}]',
                label, jsonb_array_length(link) USING ERRCODE = 'QB001';
        END IF;
        name_value := link -> 0;
        args := link -> 1;
        kwargs := link -> 2;
        options := link -> 3;
    WHEN 'object' THEN
        name_value := link -> 'func';
        args := link -> 'args';
        kwargs := link -> 'kwargs';
        options := link -> 'q_options';
    ELSE
        RAISE EXCEPTION 'baton: % is a JSON %; a link is [func, [args], {kwargs}] or {"func": ...}',
            label, coalesce(jsonb_typeof(link), 'NULL') USING ERRCODE = 'QB001';
    END CASE;
    IF name_value IS NULL OR jsonb_typeof(name_value) <> 'string' OR name_value #>> '{}' = '' THEN
        RAISE EXCEPTION 'baton: % has no function name (a non-empty string first)', label
            USING ERRCODE = 'QB001';
    END IF;
    func := name_value #>> '{}';
    args := CASE WHEN args IS NULL OR args = 'null' THEN '[]'::jsonb ELSE args END;
    kwargs := CASE WHEN kwargs IS NULL OR kwargs = 'null' THEN '{}'::jsonb ELSE kwargs END;
    IF jsonb_typeof(args) <> 'array' THEN
        RAISE EXCEPTION 'baton: % (%): args must be a JSON array, not %', label, func, jsonb_typeof(args)
            USING ERRCODE = 'QB001';
    END IF;
    IF jsonb_typeof(kwargs) <> 'object' THEN
        RAISE EXCEPTION 'baton: % (%): kwargs must be a JSON object, not %', label, func, jsonb_typeof(kwargs)
            USING ERRCODE = 'QB001';
    END IF;
    -- django-q's way: options as the kwargs member q_options, which the function does not get.
    IF kwargs ? 'q_options' THEN
        given := kwargs -> 'q_options';
        kwargs := kwargs - 'q_options';
        IF options IS NULL OR options = 'null' THEN
            options := given;
        ELSIF jsonb_typeof(given) = 'object' AND jsonb_typeof(options) = 'object' THEN
            options := given || options;
        END IF;
    END IF;
    IF options IS NULL OR options = 'null' THEN
        RETURN;
    END IF;
    IF jsonb_typeof(options) <> 'object' THEN
        RAISE EXCEPTION 'baton: % (%): options must be a JSON object, not %', label, func, jsonb_typeof(options)
            USING ERRCODE = 'QB001';
    END IF;
    SELECT string_agg(format('"%s"', key), ', ' ORDER BY key) INTO unknown
    FROM jsonb_object_keys(options) AS key
    WHERE key NOT IN ('timeout', 'max_attempts', 'retry_delay', 'priority', 'hook', 'task_name', 'save', 'queue');
    IF unknown IS NOT NULL THEN
        RAISE EXCEPTION 'baton: % (%): unknown option %; a link takes timeout, max_attempts, retry_delay, '
            'priority, hook, task_name, save and queue (group, cached and sync belong to the whole call)',
            label, func, left(unknown, 200) USING ERRCODE = 'QB001';
    END IF;
    BEGIN
        timeout := CASE WHEN options ? 'timeout' THEN (options ->> 'timeout')::float8 * interval '1 second' END;
        retry_delay := CASE WHEN options ? 'retry_delay'
                            THEN (options ->> 'retry_delay')::float8 * interval '1 second' END;
        max_attempts := (options ->> 'max_attempts')::integer;
        priority := (options ->> 'priority')::integer;
        save := (options ->> 'save')::boolean;
    EXCEPTION WHEN data_exception THEN
        RAISE EXCEPTION 'baton: % (%): timeout and retry_delay are numbers of seconds, max_attempts and priority '
            'whole numbers, save true or false; given %', label, func, left(options::text, 200)
            USING ERRCODE = 'QB001';
    END;
    IF jsonb_typeof(options -> 'hook') NOT IN ('string', 'null') OR options ->> 'hook' = ''
       OR jsonb_typeof(options -> 'task_name') NOT IN ('string', 'null') OR options ->> 'task_name' = '' THEN
        RAISE EXCEPTION 'baton: % (%): hook and task_name are non-empty strings', label, func
            USING ERRCODE = 'QB001';
    END IF;
    hook := options ->> 'hook';
    task_name := options ->> 'task_name';
    IF options ? 'queue' AND options -> 'queue' <> 'null' THEN
        IF jsonb_typeof(options -> 'queue') <> 'string' THEN
            RAISE EXCEPTION 'baton: % (%): queue is a string, not %', label, func, jsonb_typeof(options -> 'queue')
                USING ERRCODE = 'QB001';
        END IF;
        queue := baton.check_queue(options ->> 'queue', format('baton: %s (%s)', label, func));
    END IF;
END $$;
