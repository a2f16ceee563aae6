-- Tasks deleted while they ran: `deleteGroup(id, tasks: true)` stops a chain, and the
-- cluster running its link drops that outcome quietly instead of reporting a lost lease.

-- Of these tasks, the ones neither queued nor recorded: deleted unfinished, with their
-- group (tasks and results primary keys; cached results included).
CREATE FUNCTION baton.vanished_tasks(ids uuid[]) RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
    SELECT l.id FROM unnest(ids) AS l (id)
    WHERE NOT EXISTS (SELECT 1 FROM baton.tasks AS t WHERE t.id = l.id)
      AND NOT EXISTS (SELECT 1 FROM baton.results AS r WHERE r.id = l.id)
      AND NOT EXISTS (SELECT 1 FROM baton.cached_results AS c WHERE c.id = l.id)
$$;

-- Only the cluster's role runs it (baton.grant_roles grants it from 0014 on).
REVOKE ALL ON FUNCTION baton.vanished_tasks(uuid[]) FROM PUBLIC;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'baton_worker') THEN
        GRANT EXECUTE ON FUNCTION baton.vanished_tasks(uuid[]) TO baton_worker;
    END IF;
END $$;
