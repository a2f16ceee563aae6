-- Functions, views and triggers live one per file, each its current definition
-- (migrations/functions/, views/, triggers/). The migrator applies a file again whenever
-- its text changes, after the numbered migrations and under the same lock, and records
-- it here. Numbered migrations keep what must be migrated: tables, columns, indexes, data,
-- and the dropping of objects (whose files are deleted, and their rows here with them).
CREATE TABLE baton.schema_objects (
    -- Relative to migrations/: functions/baton.complete_tasks.sql.
    path       text PRIMARY KEY,
    -- SHA-256 of the file's text, as applied.
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- One implementation of finishing a task: baton.complete_task and the rescuer's last
-- rescue now go through baton.complete_tasks, and the functions they shared are gone.
DROP FUNCTION IF EXISTS baton.finish_task(baton.tasks, boolean, jsonb, text, text);
DROP FUNCTION IF EXISTS baton.record_result(baton.tasks, boolean, jsonb, text, text);
