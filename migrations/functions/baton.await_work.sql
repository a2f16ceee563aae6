-- Marks `cluster` as waiting for work. Returns whether the mark is new: then the caller
-- waits for the enqueuers committing (baton.await_enqueuers) and claims once more.
CREATE OR REPLACE FUNCTION baton.await_work(cluster text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
BEGIN
    -- Marked already: an enqueuer that takes the mark away also notifies.
    IF EXISTS (SELECT 1 FROM baton.waiting_clusters AS w WHERE w.cluster = await_work.cluster) THEN
        RETURN false;
    END IF;
    -- A mark lost in a crash costs a wake-up at the next idle check; no need to wait for the disk.
    PERFORM set_config('synchronous_commit', 'off', true);
    INSERT INTO baton.waiting_clusters (cluster) VALUES (await_work.cluster);
    RETURN true;
END $$;
