-- How long until the earliest queued task of these functions may run, in seconds by the
-- database's clock; NULL when none is queued (tasks_claim_order).
CREATE OR REPLACE FUNCTION baton.next_due(functions text[]) RETURNS double precision
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
    SELECT extract(epoch FROM min(run_at) - clock_timestamp())::float8
    FROM baton.tasks WHERE state = 'queued' AND func = ANY (functions)
$$;
