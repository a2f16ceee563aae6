-- Batches: enqueueing many tasks in one call, completing many in one transaction, and
-- enqueueing without a NOTIFY in the writing transaction.
--
-- Why the `notify` switch: PostgreSQL serialises the commits of every transaction that
-- sent a NOTIFY, flush to disk included, so a NOTIFY in each enqueueing transaction halves
-- how many can commit per second. With `notify => false` the caller sends
-- `SELECT pg_notify('baton', 'queued')` after its commit instead (Baton's Swift API does,
-- coalescing concurrent callers into one); a transaction that wrote nothing commits
-- without a flush.
--
-- A payload may now hold several events, one per line; `all` (when they would not fit in
-- PostgreSQL's 8,000 bytes) asks every waiter to look again.
--
-- (Until 0019 this file also defined its functions; their current definitions are in
-- functions/, views/ and triggers/, applied by the migrator after the numbered files.)

-- A group's or chain's unfinished tasks (waiters counting them, a chain's end, reports).
-- Without it each of those looked through the whole queue, which a large backlog makes slow.
CREATE INDEX tasks_group ON baton.tasks (group_id) WHERE group_id IS NOT NULL;

-- Results arrive in time order, so a BRIN index serves reports on time ranges at a
-- fraction of a B-tree's cost per insert.
DROP INDEX baton.results_stopped_at;
CREATE INDEX results_stopped_at ON baton.results USING brin (stopped_at);

-- The enqueue functions of 0002, replaced by ones with `notify`.
DROP FUNCTION IF EXISTS baton.async_task(text, jsonb, jsonb, text, interval, text, integer, integer, interval, interval);
DROP FUNCTION IF EXISTS baton.async_chain(jsonb, text, interval, text, integer, interval, interval);
