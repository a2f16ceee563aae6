-- Returns `trace` when it is a trace context a task can carry (NULL, or a JSON object of
-- strings of at most 8 KiB as text, what a propagator injects: {"traceparent": "00-..."});
-- raises a clear error naming `caller` (SQLSTATE QB001) for anything else.
CREATE OR REPLACE FUNCTION baton.check_trace(trace jsonb, caller text) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, baton, pg_temp AS $$
BEGIN
    IF trace IS NULL THEN
        RETURN NULL;
    END IF;
    IF jsonb_typeof(trace) <> 'object' OR jsonb_path_exists(trace, '$.* ? (@.type() != "string")') THEN
        RAISE EXCEPTION '%: trace is a JSON object of strings, as a propagator injects it ({"traceparent": "00-..."}), not %',
            caller, left(trace::text, 200) USING ERRCODE = 'QB001';
    END IF;
    IF octet_length(trace::text) > 8192 THEN
        RAISE EXCEPTION '%: trace takes % bytes, over its maximum of 8192', caller, octet_length(trace::text)
            USING ERRCODE = 'QB001';
    END IF;
    RETURN trace;
END $$;
