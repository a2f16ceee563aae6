-- Retention: finished results are pruned by age, and optionally by count per function
-- (django-q's save_limit, per function), by baton.prune_results, which the clusters call in
-- small batches, one cluster at a time. Per function it reads this index: each function's
-- newest results first, and the ones past the count to delete. (Recording a result writes
-- one more index entry for it.) The id breaks ties: a batch of completions shares its stop time.
CREATE INDEX results_func_stopped ON baton.results (func, stopped_at, id);
