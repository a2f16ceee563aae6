-- Of these tasks, the ones neither queued nor recorded: deleted unfinished, with their
-- group (tasks and results primary keys; cached results included).
CREATE OR REPLACE FUNCTION baton.vanished_tasks(ids uuid[]) RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
    SELECT l.id FROM unnest(ids) AS l (id)
    WHERE NOT EXISTS (SELECT 1 FROM baton.tasks AS t WHERE t.id = l.id)
      AND NOT EXISTS (SELECT 1 FROM baton.results AS r WHERE r.id = l.id)
      AND NOT EXISTS (SELECT 1 FROM baton.cached_results AS c WHERE c.id = l.id)
$$;
