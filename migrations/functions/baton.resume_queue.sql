-- Resumes a paused queue for every cluster (baton.steer_queue).
CREATE OR REPLACE FUNCTION baton.resume_queue(queue text) RETURNS baton.queues
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
    SELECT baton.steer_queue(queue, paused => false)
$$;
