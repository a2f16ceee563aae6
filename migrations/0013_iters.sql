-- django-q's async_iter: one function over many argument lists, one task each, in a group
-- of kind 'iter' whose result is the list of the tasks' results in the order given
-- (functions/baton.async_iter.sql).
-- (Until 0019 this file also defined its functions; their current definitions are in
-- functions/, views/ and triggers/, applied by the migrator after the numbered files.)

ALTER TABLE baton.groups DROP CONSTRAINT groups_kind_check;
ALTER TABLE baton.groups ADD CONSTRAINT groups_kind_check CHECK (kind IN ('group', 'chain', 'iter'));
