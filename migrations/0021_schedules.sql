-- Schedules, as django-q's `schedule()` and `Schedule` model: a named schedule of a function
-- with its arguments and options, due at `next_run`, and again at every later time its type
-- gives, in its own time zone. Every cluster looks for due schedules (baton.fire_schedules);
-- there is no leader. The one that locks a due schedule enqueues its task, records the due
-- time in baton.schedule_runs and advances `next_run`, in one transaction: a due time is a
-- primary key there, so it cannot be fired twice, whatever the number of clusters, a
-- restart of the database or a cluster killed in the middle (its transaction is then
-- rolled back whole, and the next cluster fires it).
CREATE TABLE baton.schedules (
    -- Upserted by name (baton.schedule): a redeploy that schedules again duplicates nothing.
    name          text PRIMARY KEY CHECK (name <> '' AND length(name) <= 200),
    func          text NOT NULL CHECK (func <> ''),
    args          jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(args) = 'array'),
    kwargs        jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(kwargs) = 'object'),
    -- A link's options (baton.parse_link): queue, priority, timeout, max_attempts, ...
    options       jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(options) = 'object'),
    schedule_type text NOT NULL CHECK (schedule_type IN ('once', 'minutes', 'hourly', 'daily', 'weekly', 'biweekly',
                                                          'monthly', 'bimonthly', 'quarterly', 'yearly', 'cron')),
    -- Every this many minutes (type `minutes`).
    minutes       integer CHECK (minutes > 0),
    -- Five fields: minute hour day-of-month month day-of-week (type `cron`).
    cron          text,
    -- The calendar the type counts in: a day is a local day, 03:00 stays 03:00 across a
    -- change of daylight-saving time.
    time_zone     text NOT NULL DEFAULT 'UTC',
    -- Runs left: -1 for ever; 0 fires no more (django-q's "never").
    repeats       integer NOT NULL DEFAULT -1 CHECK (repeats >= -1),
    -- Paused: fires nothing until resumed (its due times meanwhile are caught up, or not).
    paused        boolean NOT NULL DEFAULT false,
    -- After downtime: true fires each missed due time; false fires once and moves on.
    catch_up      boolean NOT NULL DEFAULT true,
    next_run      timestamptz NOT NULL,
    -- The first due time: later ones are counted from it (a month from 31 January is
    -- 28 February, two months 31 March), so that they do not drift.
    anchor        timestamptz NOT NULL,
    runs          bigint NOT NULL DEFAULT 0,
    last_run      timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    -- Why its last firing failed (its task could not be enqueued): it is paused until someone
    -- resumes it, and the other schedules fire on.
    failure       text,
    CHECK ((schedule_type = 'minutes') = (minutes IS NOT NULL)),
    CHECK ((schedule_type = 'cron') = (cron IS NOT NULL))
);

-- The schedules a cluster may fire: due first.
CREATE INDEX schedules_due ON baton.schedules (next_run) WHERE NOT paused AND repeats <> 0;

-- Each due time fired, and the task it enqueued: the key that cannot be inserted twice, and
-- the schedule's recent history (the last 100 of each are kept).
CREATE TABLE baton.schedule_runs (
    schedule    text NOT NULL REFERENCES baton.schedules (name) ON DELETE CASCADE,
    due_at      timestamptz NOT NULL,
    task_id     uuid NOT NULL,
    -- Who fired it: the cluster, or `run-now` for a run asked by hand.
    fired_by    text NOT NULL,
    enqueued_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (schedule, due_at)
);
