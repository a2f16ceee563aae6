-- baton.metrics(), read at most once per `max_age` by every caller together, and how many
-- seconds old the reading is (`age`). A caller that finds the reading in
-- baton.metrics_reading older than that takes an advisory lock for its transaction, reads
-- baton.metrics() and stores the reading; callers arriving meanwhile wait for it and share
-- it (after 5 seconds, they read for themselves and store nothing). Call it outside a longer
-- transaction: the lock is held to its end. On a standby, or in a read-only transaction, it
-- reads baton.metrics() directly (age 0).
CREATE OR REPLACE FUNCTION baton.shared_metrics(max_age interval DEFAULT '15 seconds')
RETURNS TABLE (metric text, queue text, func text, state text, value float8, age float8)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp SET lock_timeout = '5s' AS $$
DECLARE
    oldest timestamptz := clock_timestamp() - coalesce(max_age, interval '15 seconds');
    made timestamptz;
    reading jsonb;
    store boolean := true;
BEGIN
    IF pg_is_in_recovery() OR current_setting('transaction_read_only')::boolean THEN
        RETURN QUERY SELECT m.metric, m.queue, m.func, m.state, m.value, 0::float8 FROM baton.metrics() AS m;
        RETURN;
    END IF;
    SELECT r.read_at, r.samples INTO made, reading FROM baton.metrics_reading AS r;
    IF made IS NULL OR made <= oldest THEN
        BEGIN
            -- "batonmet" in ASCII: one reader at a time.
            PERFORM pg_advisory_xact_lock(7089075310400726388);
            -- The reading another caller made while this one waited.
            SELECT r.read_at, r.samples INTO made, reading FROM baton.metrics_reading AS r;
        EXCEPTION WHEN lock_not_available THEN
            -- Its holder is stuck in a long transaction: read, and leave the row to it.
            made := NULL;
            store := false;
        END;
        IF made IS NULL OR made <= oldest THEN
            made := clock_timestamp();
            SELECT coalesce(jsonb_agg(jsonb_build_array(m.metric, m.queue, m.func, m.state, m.value)), '[]')
            INTO reading FROM baton.metrics() AS m;
            IF store THEN
                BEGIN
                    INSERT INTO baton.metrics_reading AS r (only_row, read_at, samples) VALUES (true, made, reading)
                    ON CONFLICT (only_row) DO UPDATE SET read_at = excluded.read_at, samples = excluded.samples;
                EXCEPTION WHEN serialization_failure THEN
                    -- A repeatable-read caller raced another's new reading: its own is as good.
                    NULL;
                END;
            END IF;
        END IF;
    END IF;
    RETURN QUERY
        SELECT s ->> 0, s ->> 1, s ->> 2, s ->> 3, (s ->> 4)::float8, a.age
        FROM jsonb_array_elements(reading) AS s,
             (SELECT greatest(extract(epoch FROM clock_timestamp() - made)::float8, 0) AS age) AS a;
END $$;
