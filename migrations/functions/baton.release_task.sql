-- Hands a leased task back to the queue unfinished (its worker is stopping), as if this
-- attempt had not begun: baton.release_tasks for one task. Returns false when `owner` no
-- longer holds the lease.
CREATE OR REPLACE FUNCTION baton.release_task(task_id uuid, owner text)
RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
    SELECT baton.release_tasks(ARRAY[task_id], owner) = 1
$$;
