-- Pauses (`paused` true) or resumes a schedule (which forgets its last failure), or deletes it
-- (`remove`, its runs with it; its tasks already enqueued stay). Returns whether there was
-- such a schedule.
CREATE OR REPLACE FUNCTION baton.steer_schedule(name text, paused boolean DEFAULT NULL, remove boolean DEFAULT false)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
BEGIN
    IF remove THEN
        DELETE FROM baton.schedules AS q WHERE q.name = steer_schedule.name;
    ELSE
        UPDATE baton.schedules AS q
        SET paused = coalesce(steer_schedule.paused, q.paused), updated_at = now(),
            failure = CASE WHEN steer_schedule.paused = false THEN NULL ELSE q.failure END
        WHERE q.name = steer_schedule.name;
    END IF;
    RETURN FOUND;
END $$;
