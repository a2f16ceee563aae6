-- Baton's tables: the queue (baton.tasks), the history (baton.results and the cached
-- baton.cached_results), the groups and chains tasks belong to (baton.groups), and the
-- clusters that run them (baton.clusters). Plain SQL: any tool can apply it.

CREATE SCHEMA IF NOT EXISTS baton;

-- One row per group or chain.
CREATE TABLE baton.groups (
    id             text PRIMARY KEY,
    kind           text NOT NULL CHECK (kind IN ('group', 'chain')),
    -- How many tasks make the group complete; NULL while a group is still open.
    length         integer CHECK (length >= 0),
    -- What a failing chain link does to the links after it.
    failure_policy text NOT NULL DEFAULT 'stop' CHECK (failure_policy IN ('stop', 'continue')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz
);

-- Work not yet finished. Kept small (finished tasks move to baton.results), so claiming
-- stays fast whatever the history holds.
CREATE TABLE baton.tasks (
    id               uuid PRIMARY KEY,
    name             text NOT NULL,
    func             text NOT NULL CHECK (func <> ''),
    args             jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(args) = 'array'),
    kwargs           jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(kwargs) = 'object'),
    group_id         text REFERENCES baton.groups (id) ON DELETE CASCADE,
    -- Position in its chain, from 0; NULL outside a chain.
    chain_position   integer CHECK (chain_position >= 0),
    -- waiting: a later chain link; queued: ready to claim; running: leased to a worker.
    state            text NOT NULL DEFAULT 'queued' CHECK (state IN ('waiting', 'queued', 'running')),
    priority         smallint NOT NULL DEFAULT 0,
    run_at           timestamptz NOT NULL DEFAULT now(),
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts     integer NOT NULL DEFAULT 1 CHECK (max_attempts >= 1),
    lease_owner      text,
    lease_expires_at timestamptz,
    enqueued_at      timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    -- A cached task keeps its result this long in baton.cached_results; NULL: baton.results.
    cache_ttl        interval CHECK (cache_ttl > interval '0'),
    -- The wait before the first retry; doubled for each next one, with jitter.
    retry_delay      interval NOT NULL DEFAULT '1 second' CHECK (retry_delay >= interval '0'),
    -- How long one attempt may run; NULL: the cluster's default.
    timeout          interval CHECK (timeout > interval '0'),
    -- How often a worker died holding it; the 5th time fails it.
    lost_leases      integer NOT NULL DEFAULT 0 CHECK (lost_leases >= 0),
    -- Why each earlier attempt failed, oldest first.
    errors           text[] NOT NULL DEFAULT '{}',
    CHECK ((state = 'running') = (lease_expires_at IS NOT NULL))
) WITH (
    -- A queue table churns: vacuum it early and leave room for HOT updates.
    fillfactor = 70,
    autovacuum_vacuum_scale_factor = 0.01,
    autovacuum_vacuum_threshold = 500,
    autovacuum_analyze_scale_factor = 0.02
);

-- The claim order: what is queued, most urgent first. Partial, so it holds only queued rows.
CREATE INDEX tasks_claim_order ON baton.tasks (priority DESC, run_at, id) WHERE state = 'queued';
-- Expired leases, for the rescuer.
CREATE INDEX tasks_lease_expiry ON baton.tasks (lease_expires_at) WHERE state = 'running';
-- A chain's links, to release link n+1 when link n finishes.
CREATE UNIQUE INDEX tasks_chain_link ON baton.tasks (group_id, chain_position) WHERE chain_position IS NOT NULL;

-- One row per finished task, success or failure. Append-only: the table reports read.
CREATE TABLE baton.results (
    id             uuid PRIMARY KEY,
    name           text NOT NULL,
    func           text NOT NULL,
    args           jsonb NOT NULL,
    kwargs         jsonb NOT NULL,
    result         jsonb,
    error          text,
    success        boolean NOT NULL,
    -- No foreign key: the history outlives the groups it names.
    group_id       text,
    chain_position integer,
    attempts       integer NOT NULL,
    -- host:pid of the worker that ran it.
    worker         text,
    enqueued_at    timestamptz NOT NULL,
    started_at     timestamptz,
    stopped_at     timestamptz NOT NULL DEFAULT now(),
    -- Why each failed attempt failed, oldest first (lost leases included).
    errors         text[] NOT NULL DEFAULT '{}',
    CHECK (success = (error IS NULL))
);

-- A group's or chain's results in order.
CREATE INDEX results_group ON baton.results (group_id, chain_position) WHERE group_id IS NOT NULL;
-- Recent results and failures, for reports.
CREATE INDEX results_stopped_at ON baton.results (stopped_at);

-- Cached results: fast and not crash-safe (UNLOGGED), each with an expiry.
CREATE UNLOGGED TABLE baton.cached_results (
    LIKE baton.results INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX cached_results_group ON baton.cached_results (group_id, chain_position) WHERE group_id IS NOT NULL;
CREATE INDEX cached_results_expiry ON baton.cached_results (expires_at);

-- The clusters that run tasks: each registers when it starts, beats while it runs (which
-- renews its leases), and removes its row when it stops cleanly.
CREATE TABLE baton.clusters (
    -- host:pid:xxxx, as in baton.tasks.lease_owner and baton.results.worker.
    name       text PRIMARY KEY,
    workers    integer NOT NULL CHECK (workers > 0),
    functions  text[] NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    seen_at    timestamptz NOT NULL DEFAULT now()
);
