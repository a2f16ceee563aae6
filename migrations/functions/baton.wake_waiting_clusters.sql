-- At the commit of a transaction whose enqueue asked to notify (`baton.wake` is 'on'):
-- wakes the clusters that wait for work, once each.
CREATE OR REPLACE FUNCTION baton.wake_waiting_clusters() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
BEGIN
    IF current_setting('baton.wake', true) IS DISTINCT FROM 'on' THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('baton.wake', 'done', true);
    -- The lock is only ever taken shared; should another session hold it, notifying is safe.
    IF current_setting('transaction_isolation') <> 'read committed'
       OR NOT pg_try_advisory_xact_lock_shared(7089075310401380715) THEN
        PERFORM pg_notify('baton', 'queued');
        RETURN NULL;
    END IF;
    DELETE FROM baton.waiting_clusters AS w
    WHERE w.ctid = ANY (ARRAY(SELECT ctid FROM baton.waiting_clusters FOR UPDATE SKIP LOCKED));
    IF FOUND THEN
        PERFORM pg_notify('baton', 'queued');
    END IF;
    RETURN NULL;
END $$;
