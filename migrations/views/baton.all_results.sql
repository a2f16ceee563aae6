-- Every finished task, stored or cached (unexpired): what result calls read.
CREATE OR REPLACE VIEW baton.all_results AS
    SELECT id, name, func, args, kwargs, result, error, success, group_id, chain_position, attempts,
           worker, enqueued_at, started_at, stopped_at, false AS cached, errors, queue, cancelled
    FROM baton.results
    UNION ALL
    SELECT id, name, func, args, kwargs, result, error, success, group_id, chain_position, attempts,
           worker, enqueued_at, started_at, stopped_at, true AS cached, errors, queue, cancelled
    FROM baton.cached_results
    WHERE expires_at > now();
