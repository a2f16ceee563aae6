-- Named queues. Every task belongs to one (`default` unless its enqueue names another); a
-- cluster serves the queues it is given, each with its own workers, and claims from one
-- queue at a time. A queue can be paused, and its running tasks limited across every
-- cluster together, through its row in baton.queues; a queue with no row there is running
-- and unlimited, so a queue needs no row until someone steers it.
--
-- A name is 1 to 128 letters, digits, `_`, `-`, `.` or `:`: it appears on command lines,
-- in `baton info` and in metrics' labels. The enqueue functions give a clear error for any
-- other (SQLSTATE QB001); the checks below are the last guard.

ALTER TABLE baton.tasks ADD COLUMN queue text NOT NULL DEFAULT 'default'
    CHECK (queue ~ '^[A-Za-z0-9_.:-]{1,128}$');
-- The history keeps each task's queue, for reports by queue.
ALTER TABLE baton.results ADD COLUMN queue text NOT NULL DEFAULT 'default';
ALTER TABLE baton.cached_results ADD COLUMN queue text NOT NULL DEFAULT 'default';

-- The claim order within a queue: a claim names its queue, so the index leads with it.
-- (Building it reads the queue table once; on a long backlog this migration takes that long.)
CREATE INDEX tasks_queue_claim_order ON baton.tasks (queue, priority DESC, run_at, id) WHERE state = 'queued';
DROP INDEX baton.tasks_claim_order;

-- The queues someone paused or limited.
CREATE TABLE baton.queues (
    name          text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9_.:-]{1,128}$'),
    -- A paused queue's tasks stay queued; the ones running finish.
    paused        boolean NOT NULL DEFAULT false,
    -- The most tasks of the queue leased at once, across every cluster (running, claimed
    -- ahead of a free worker, or having their outcome written); NULL: no limit.
    running_limit integer CHECK (running_limit >= 0),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- The queues each cluster serves, and the workers it gives each: {"default": 4, "mail": 2}.
ALTER TABLE baton.clusters ADD COLUMN queues jsonb NOT NULL DEFAULT '{}'
    CHECK (jsonb_typeof(queues) = 'object');
