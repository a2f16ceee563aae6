-- Tracing (docs/tracing.md): the trace context of the span that enqueued a task, as its
-- tracer's propagator wrote it (W3C `traceparent` and `tracestate` for OpenTelemetry), so
-- that the span of each attempt is its child. NULL when the enqueue was not traced: nothing
-- more is written per task then. An object of strings, at most 8 KiB.
ALTER TABLE baton.tasks ADD COLUMN trace jsonb CONSTRAINT tasks_trace_carrier CHECK (
    jsonb_typeof(trace) = 'object' AND octet_length(trace::text) <= 8192
    AND NOT jsonb_path_exists(trace, '$.* ? (@.type() != "string")'));

-- The enqueue functions take the context as their last argument, `trace`: their signatures
-- from 0020 to 0025, without it.
DROP FUNCTION IF EXISTS baton.async_task(text, jsonb, jsonb, text, interval, text, integer, integer, interval,
                                         interval, boolean, text, boolean, text, timestamptz, text, interval);
DROP FUNCTION IF EXISTS baton.async_tasks(jsonb, text, interval, integer, integer, interval, interval, boolean, text,
                                          boolean, text, timestamptz);
DROP FUNCTION IF EXISTS baton.async_chain(jsonb, text, interval, text, integer, interval, interval, boolean, text,
                                          boolean, text, timestamptz, text, interval);
DROP FUNCTION IF EXISTS baton.async_iter(text, jsonb, interval, integer, integer, interval, interval, boolean, text,
                                         boolean, text, timestamptz, text, interval);
