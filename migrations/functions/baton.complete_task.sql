-- Finishes a leased task in one transaction: baton.complete_tasks for one outcome (a
-- failure with attempts left goes back to the queue after its backoff; anything else is
-- recorded and moves its chain on, its next link queued). Returns false, changing
-- nothing, when `owner` no longer holds the lease.
CREATE OR REPLACE FUNCTION baton.complete_task(task_id uuid, owner text, succeeded boolean, outcome jsonb, failure text)
RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
    SELECT NOT EXISTS (
        SELECT 1
        FROM baton.complete_tasks(
            owner,
            jsonb_build_array(CASE WHEN succeeded THEN jsonb_build_object('id', task_id, 'ok', true, 'result', outcome)
                                   ELSE jsonb_build_object('id', task_id, 'ok', false, 'error', failure) END),
            '{}', interval '0')
        WHERE lost IS NOT NULL)
$$;
