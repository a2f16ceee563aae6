-- The queue table's column checks as domains. PostgreSQL reads and plans every CHECK of a
-- table each time a statement writes to it: baton.tasks had 17, 10.5 kB of stored
-- expressions, and they took about 18 µs of every one-row INSERT (48.7 µs a row in a loop of
-- one-row INSERTs with them, 30.3 µs without), a third of an enqueue by baton.async_task.
-- A domain's checks are read once per session and kept, and run on the values a statement
-- writes to the column: a claim, which writes `state`, `attempts` and the lease, no longer
-- checks the arguments or the trace. The same values are allowed as before, and a bad one
-- is refused with the same SQLSTATE (23514, check_violation), naming the domain. Three
-- checks (2.1 kB) stay on the table: the one across columns (a running task holds a lease),
-- and those of `func` and `queue`, which clusters and apps of the release before aggregate
-- (`array_agg` of a domain is an array of the domain, a type they cannot read).

-- A hook's function name: not empty.
CREATE DOMAIN baton.function_name AS text CHECK (VALUE <> '');
CREATE DOMAIN baton.json_array AS jsonb CHECK (jsonb_typeof(VALUE) = 'array');
CREATE DOMAIN baton.json_object AS jsonb CHECK (jsonb_typeof(VALUE) = 'object');
CREATE DOMAIN baton.non_negative AS integer CHECK (VALUE >= 0);
CREATE DOMAIN baton.attempt_limit AS integer CHECK (VALUE >= 1);
CREATE DOMAIN baton.task_state AS text CHECK (VALUE IN ('waiting', 'queued', 'running'));
CREATE DOMAIN baton.positive_interval AS interval CHECK (VALUE > interval '0');
CREATE DOMAIN baton.non_negative_interval AS interval CHECK (VALUE >= interval '0');
CREATE DOMAIN baton.unique_key AS text CHECK (VALUE <> '' AND length(VALUE) <= 500);
-- An object of strings, at most 8 KiB (0026).
CREATE DOMAIN baton.trace_carrier AS jsonb CHECK (
    jsonb_typeof(VALUE) = 'object' AND octet_length(VALUE::text) <= 8192
    AND NOT jsonb_path_exists(VALUE, '$.* ? (@.type() != "string")'));

-- A column's type cannot change under a view or a policy: the views that read baton.tasks
-- are dropped here and made again from their files after the numbered migrations (their
-- records are forgotten), and baton.grant_roles(), which runs then, makes the policy again.
DROP POLICY IF EXISTS enqueue_new_tasks ON baton.tasks;
DROP VIEW IF EXISTS baton.chain_status, baton.queue_status, baton.schedule_status, baton.task_counts;
DELETE FROM baton.schema_objects
WHERE path IN ('views/baton.chain_status.sql', 'views/baton.queue_status.sql', 'views/baton.schedule_status.sql',
               'views/baton.task_counts.sql');

-- Rewrites the queue table and its indexes once (it holds what is not finished yet).
ALTER TABLE baton.tasks
    DROP CONSTRAINT tasks_hook_check,
    DROP CONSTRAINT tasks_args_check, DROP CONSTRAINT tasks_kwargs_check,
    DROP CONSTRAINT tasks_chain_position_check, DROP CONSTRAINT tasks_attempts_check,
    DROP CONSTRAINT tasks_lost_leases_check, DROP CONSTRAINT tasks_max_attempts_check,
    DROP CONSTRAINT tasks_state_check, DROP CONSTRAINT tasks_cache_ttl_check,
    DROP CONSTRAINT tasks_timeout_check, DROP CONSTRAINT tasks_unique_for_check,
    DROP CONSTRAINT tasks_retry_delay_check, DROP CONSTRAINT tasks_unique_key_check,
    DROP CONSTRAINT tasks_trace_carrier,
    ALTER COLUMN hook TYPE baton.function_name,
    ALTER COLUMN args TYPE baton.json_array, ALTER COLUMN kwargs TYPE baton.json_object,
    ALTER COLUMN chain_position TYPE baton.non_negative, ALTER COLUMN attempts TYPE baton.non_negative,
    ALTER COLUMN lost_leases TYPE baton.non_negative, ALTER COLUMN max_attempts TYPE baton.attempt_limit,
    ALTER COLUMN state TYPE baton.task_state, ALTER COLUMN cache_ttl TYPE baton.positive_interval,
    ALTER COLUMN timeout TYPE baton.positive_interval, ALTER COLUMN unique_for TYPE baton.positive_interval,
    ALTER COLUMN retry_delay TYPE baton.non_negative_interval, ALTER COLUMN unique_key TYPE baton.unique_key,
    ALTER COLUMN trace TYPE baton.trace_carrier;
