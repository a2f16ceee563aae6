-- Cancellation. A cancelled task leaves the queue and is recorded in baton.results with
-- `cancelled` true: a state of its own (success false, its reason in `error`), not a
-- failure of its function. A running one is recorded at once, and its cluster hears of it
-- (`cancelled <task> <group>` on channel `baton`) and cancels the task function. Chain links
-- cancelled because a link before them failed are cancelled too, from now on and before.
ALTER TABLE baton.results ADD COLUMN cancelled boolean NOT NULL DEFAULT false;
ALTER TABLE baton.cached_results ADD COLUMN cancelled boolean NOT NULL DEFAULT false;
UPDATE baton.results SET cancelled = true WHERE worker IS NULL AND error LIKE 'cancelled: link %';
UPDATE baton.cached_results SET cancelled = true WHERE worker IS NULL AND error LIKE 'cancelled: link %';
