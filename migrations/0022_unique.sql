-- Unique tasks and chains. A task enqueued with a unique key is not enqueued again while a
-- task with that key is queued, waiting or running: the enqueue returns the existing one's
-- id instead. With `unique_for`, the key stays taken that long after the task finished
-- (baton.unique_keys). A chain's or an iter's key is its group's, taken until the whole
-- group finishes.
-- Concurrent enqueues of one key are settled by the unique indexes below: one inserts, the
-- others wait for it and return its id.
ALTER TABLE baton.tasks ADD COLUMN unique_key text CHECK (unique_key <> '' AND length(unique_key) <= 500);
ALTER TABLE baton.tasks ADD COLUMN unique_for interval CHECK (unique_for > interval '0');
CREATE UNIQUE INDEX tasks_unique_key ON baton.tasks (unique_key) WHERE unique_key IS NOT NULL;

ALTER TABLE baton.groups ADD COLUMN unique_key text CHECK (unique_key <> '' AND length(unique_key) <= 500);
ALTER TABLE baton.groups ADD COLUMN unique_for interval CHECK (unique_for > interval '0');
CREATE UNIQUE INDEX groups_unique_key ON baton.groups (unique_key) WHERE unique_key IS NOT NULL AND finished_at IS NULL;

-- Keys still taken after their task or chain finished, until `until`.
CREATE TABLE baton.unique_keys (
    -- `task`, or `group` (a chain's or an iter's): the two keep keys apart.
    kind  text NOT NULL CHECK (kind IN ('task', 'group')),
    key   text NOT NULL,
    -- The task's id, or the group id.
    id    text NOT NULL,
    until timestamptz NOT NULL,
    PRIMARY KEY (kind, key)
);
