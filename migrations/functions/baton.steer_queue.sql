-- Pauses or resumes a queue for every cluster at once, or sets the most tasks of it leased at
-- once across them all (`running_limit`, NULL: none); an argument left NULL keeps its
-- setting. A paused queue's tasks stay queued and the ones running finish. Clusters hear of
-- a resume or a higher limit at once (NOTIFY). Returns the queue's row as it now is.
CREATE OR REPLACE FUNCTION baton.steer_queue(
    queue text, paused boolean DEFAULT NULL, running_limit integer DEFAULT NULL, clear_limit boolean DEFAULT false
) RETURNS baton.queues
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    steered baton.queues;
BEGIN
    PERFORM baton.check_queue(steer_queue.queue, 'baton.steer_queue');
    IF running_limit < 0 THEN
        RAISE EXCEPTION 'baton.steer_queue: a running limit is 0 or more, not %', running_limit
            USING ERRCODE = 'QB001';
    END IF;
    INSERT INTO baton.queues AS q (name, paused, running_limit)
    VALUES (steer_queue.queue, coalesce(steer_queue.paused, false), steer_queue.running_limit)
    ON CONFLICT (name) DO UPDATE
    SET paused = coalesce(steer_queue.paused, q.paused),
        running_limit = CASE WHEN clear_limit THEN NULL ELSE coalesce(steer_queue.running_limit, q.running_limit) END,
        updated_at = now()
    RETURNING q.* INTO steered;
    IF NOT steered.paused THEN
        PERFORM pg_notify('baton', 'queued');
    END IF;
    RETURN steered;
END $$;
