-- django-q's `hook`, `save` and per-link options (`q_options`).
--
--   hook   the name of a function the cluster that ran a task calls with its record once
--          the outcome is recorded (never for a retried attempt); NULL: none
--   save   false: a successful result is not kept in baton.results (a failure still is;
--          a cached task still goes to the cache, as in django-q)
--
-- A chain link, and each task of baton.async_tasks, may carry options of its own, which
-- win over the call's: `[func, [args], {kwargs}, {options}]`, `{"func": ..., "q_options":
-- {...}}`, or, as django-q reads them, a `q_options` member of its kwargs (taken out of
-- the kwargs). Options: timeout and retry_delay (seconds), max_attempts, priority, hook,
-- task_name, save.
-- (Until 0019 this file also defined its functions; their current definitions are in
-- functions/, views/ and triggers/, applied by the migrator after the numbered files.)

ALTER TABLE baton.tasks ADD COLUMN hook text CHECK (hook <> '');
ALTER TABLE baton.tasks ADD COLUMN save boolean NOT NULL DEFAULT true;

-- Functions whose arguments or results changed.
DROP FUNCTION IF EXISTS baton.parse_link(jsonb, text);
DROP FUNCTION IF EXISTS baton.async_task(text, jsonb, jsonb, text, interval, text, integer, integer, interval, interval, boolean);
DROP FUNCTION IF EXISTS baton.async_tasks(jsonb, text, interval, integer, integer, interval, interval, boolean);
DROP FUNCTION IF EXISTS baton.async_chain(jsonb, text, interval, text, integer, interval, interval, boolean);
DROP FUNCTION IF EXISTS baton.async_iter(text, jsonb, interval, integer, integer, interval, interval, boolean);
DROP FUNCTION IF EXISTS baton.complete_tasks(text, jsonb, text[], interval);
