-- Waits, after `cluster`'s mark committed, until the enqueuers that hold the shared lock
-- (key "batonwak" in ASCII: classid and objid in pg_locks are its halves) have let go:
-- those may have looked before the mark. Returns true then. One still holding it after
-- 100 ms fired the trigger early (SET CONSTRAINTS ALL IMMEDIATE) in a longer transaction:
-- the mark is taken away, so that the cluster marks itself and waits again after its next
-- claim, and false is returned.
CREATE OR REPLACE FUNCTION baton.await_enqueuers(cluster text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    -- The holders of the first look; then those of them still holding it.
    committing text[];
    first boolean := true;
    this_database oid := (SELECT oid FROM pg_database WHERE datname = current_database());
    deadline timestamptz := clock_timestamp() + interval '100 milliseconds';
BEGIN
    LOOP
        SELECT array_agg(l.virtualtransaction) INTO committing FROM pg_locks AS l
        WHERE l.locktype = 'advisory' AND l.database = this_database AND l.classid = 1650553967
          AND l.objid = 1853317483 AND l.objsubid = 1 AND l.granted
          AND (first OR l.virtualtransaction = ANY (committing));
        EXIT WHEN committing IS NULL;
        IF clock_timestamp() > deadline THEN
            PERFORM set_config('synchronous_commit', 'off', true);
            -- A mark an enqueuer holds is that enqueuer's to wake, at its commit.
            DELETE FROM baton.waiting_clusters AS w WHERE w.ctid = ANY (ARRAY(
                SELECT ctid FROM baton.waiting_clusters AS m WHERE m.cluster = await_enqueuers.cluster
                FOR UPDATE SKIP LOCKED));
            RETURN false;
        END IF;
        first := false;
        PERFORM pg_sleep(0.0002);
    END LOOP;
    RETURN true;
END $$;
