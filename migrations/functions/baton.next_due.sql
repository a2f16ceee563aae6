-- How long until the earliest queued task of these functions in `queue` may run, in seconds
-- by the database's clock; NULL when none is queued (tasks_queue_claim_order).
-- Its signature before 0020, without `queue`.
DROP FUNCTION IF EXISTS baton.next_due(text[]);
CREATE OR REPLACE FUNCTION baton.next_due(functions text[], queue text DEFAULT 'default') RETURNS double precision
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
    SELECT extract(epoch FROM min(t.run_at) - clock_timestamp())::float8
    FROM baton.tasks AS t WHERE t.state = 'queued' AND t.queue = next_due.queue AND t.func = ANY (functions)
$$;
