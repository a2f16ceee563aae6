-- Deletes up to `batch` finished results: those that stopped longer than `keep` ago (the
-- BRIN index results_stopped_at), then, with `keep_per_function`, each function's results
-- beyond its newest that many (results_func_stopped); and, with `keep`, groups and chains
-- that finished longer than that ago. One caller at a time (a lock held for this call's
-- transaction, so it works behind a transaction pooler): the others return 0 at once.
-- Returns how many results it deleted; call it again while that is `batch`.
CREATE OR REPLACE FUNCTION baton.prune_results(keep interval DEFAULT NULL, keep_per_function integer DEFAULT NULL,
                                               batch integer DEFAULT 1000)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    deleted integer := 0;
    now_deleted integer;
    f text;
    cutoff_at timestamptz;
    cutoff_id uuid;
BEGIN
    IF keep <= interval '0' OR keep_per_function < 0 OR batch < 1 THEN
        RAISE EXCEPTION 'baton.prune_results: keep is a positive interval, keep_per_function 0 or more, batch 1 or more'
            USING ERRCODE = 'QB001';
    END IF;
    -- "batonprn" in ASCII: the pruner's own lock.
    IF NOT pg_try_advisory_xact_lock(7089075310400926318) THEN
        RETURN 0;
    END IF;
    IF keep IS NOT NULL THEN
        DELETE FROM baton.results AS r
        WHERE r.ctid = ANY (ARRAY(SELECT x.ctid FROM baton.results AS x WHERE x.stopped_at < now() - keep LIMIT batch));
        GET DIAGNOSTICS deleted = ROW_COUNT;
        DELETE FROM baton.groups AS g
        WHERE g.ctid = ANY (ARRAY(SELECT x.ctid FROM baton.groups AS x
                                  WHERE x.finished_at < now() - keep LIMIT greatest(batch - deleted, 0)));
    END IF;
    IF keep_per_function IS NOT NULL AND deleted < batch THEN
        -- Each function in turn: a loose scan of results_func_stopped, one probe a function.
        FOR f IN
            WITH RECURSIVE funcs AS (
                SELECT min(x.func) AS func FROM baton.results AS x
                UNION ALL
                SELECT (SELECT min(x.func) FROM baton.results AS x WHERE x.func > funcs.func)
                FROM funcs WHERE funcs.func IS NOT NULL
            )
            SELECT func FROM funcs WHERE func IS NOT NULL
        LOOP
            -- The newest result past the count: it and every older one go.
            SELECT x.stopped_at, x.id INTO cutoff_at, cutoff_id FROM baton.results AS x
            WHERE x.func = f ORDER BY x.stopped_at DESC, x.id DESC OFFSET keep_per_function LIMIT 1;
            CONTINUE WHEN cutoff_id IS NULL;
            DELETE FROM baton.results AS r
            WHERE r.ctid = ANY (ARRAY(SELECT x.ctid FROM baton.results AS x
                                      WHERE x.func = f AND (x.stopped_at, x.id) <= (cutoff_at, cutoff_id)
                                      LIMIT batch - deleted));
            GET DIAGNOSTICS now_deleted = ROW_COUNT;
            deleted := deleted + now_deleted;
            EXIT WHEN deleted >= batch;
        END LOOP;
    END IF;
    RETURN deleted;
END $$;
