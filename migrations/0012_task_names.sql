-- Tasks found by the name given at enqueue (`taskName:`, django-q's task_name): the latest
-- result of a name. Partial, so unnamed tasks (whose name is their function's) cost the
-- results table nothing more to write.
CREATE INDEX results_name ON baton.results (name, stopped_at) WHERE name <> func;
CREATE INDEX cached_results_name ON baton.cached_results (name, stopped_at) WHERE name <> func;
