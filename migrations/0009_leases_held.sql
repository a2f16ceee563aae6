-- Leases renewed only for the work a cluster still holds, a rescuer that works behind a
-- transaction pooler, silent clusters forgotten, notifications that always fit, and a
-- fixed search_path on every function.

-- Each cluster's lease, so that the rescuer knows when a silent cluster is gone.
ALTER TABLE baton.clusters ADD COLUMN lease interval NOT NULL DEFAULT '30 seconds' CHECK (lease > interval '0');

-- The heartbeat now names the tasks the cluster still holds (running, waiting in its local
-- queue, or their outcomes being written): a task it gave up (its outcome could not be
-- written, or it could not read the task) keeps no lease and is rescued.
DROP FUNCTION baton.cluster_heartbeat(text, integer, text[], interval);

-- Marks a cluster alive (registering it when new) and extends by `lease` the leases of the
-- tasks in `held` that it still owns (primary key). Skips rows locked by a completion: they
-- are leaving the queue, and waiting for them could deadlock with the batch. Returns how
-- many leases it extended.
CREATE FUNCTION baton.cluster_heartbeat(
    cluster_name text, worker_count integer, function_names text[], lease interval, held uuid[]
) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    extended bigint;
BEGIN
    INSERT INTO baton.clusters (name, workers, functions, lease)
    VALUES (cluster_name, worker_count, function_names, lease)
    ON CONFLICT (name) DO UPDATE
    SET seen_at = now(), workers = excluded.workers, functions = excluded.functions, lease = excluded.lease;
    UPDATE baton.tasks SET lease_expires_at = now() + lease
    WHERE id IN (SELECT id FROM baton.tasks
                 WHERE id = ANY (held) AND state = 'running' AND lease_owner = cluster_name
                 FOR UPDATE SKIP LOCKED);
    GET DIAGNOSTICS extended = ROW_COUNT;
    RETURN extended;
END $$;

-- Rescues one task whose lease expired (tasks_lease_expiry; SKIP LOCKED): back to the queue,
-- or failed after its 5th lost lease. Returns its id, or NULL when none is expired or
-- another process is rescuing. One task per call, so that each rescue is one transaction
-- with one notification. The rescuers' lock lasts for this transaction only: a session lock
-- taken and released by separate statements leaks behind a transaction pooler.
CREATE OR REPLACE FUNCTION baton.rescue_expired_task() RETURNS uuid
LANGUAGE plpgsql SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    lost baton.tasks;
    reason text;
BEGIN
    -- "batonres" in ASCII.
    IF NOT pg_try_advisory_xact_lock(7089075310401054067) THEN
        RETURN NULL;
    END IF;
    SELECT * INTO lost FROM baton.tasks
    WHERE state = 'running' AND lease_expires_at < now()
    ORDER BY lease_expires_at
    LIMIT 1
    FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    reason := format('the lease of %s expired during attempt %s', lost.lease_owner, lost.attempts);
    IF lost.lost_leases + 1 < 5 THEN
        UPDATE baton.tasks
        SET state = 'queued', attempts = attempts - 1, lost_leases = lost_leases + 1, lease_owner = NULL,
            lease_expires_at = NULL, started_at = NULL, run_at = now(), errors = errors || reason
        WHERE id = lost.id;
        PERFORM pg_notify('baton', 'queued');
    ELSE
        DELETE FROM baton.tasks WHERE id = lost.id;
        lost.errors := lost.errors || reason;
        PERFORM baton.finish_task(lost, false, NULL,
            format('%s; the lease was lost 5 times, so the task may crash its workers', reason), lost.lease_owner);
    END IF;
    RETURN lost.id;
END $$;

-- Deletes expired cached results (cached_results_expiry), and forgets clusters silent for
-- three of their leases (nine missed heartbeats): killed, or cut off for good. A cluster
-- that was only stopped registers again at its next heartbeat. Returns the clusters forgotten.
CREATE FUNCTION baton.prune_expired() RETURNS SETOF text
LANGUAGE plpgsql SET search_path = pg_catalog, baton, pg_temp AS $$
BEGIN
    DELETE FROM baton.cached_results WHERE expires_at <= now();
    RETURN QUERY DELETE FROM baton.clusters WHERE seen_at < now() - 3 * lease RETURNING name;
END $$;

-- Records a task that left the queue (already deleted, `done` its last row), then moves its
-- chain on: releases the next link, or under policy `stop` after a failure records the rest
-- as cancelled; marks a finished chain; notifies once. A group name too long for a
-- notification, or with a line break in it, is sent as `all`, which wakes every waiter.
CREATE OR REPLACE FUNCTION baton.finish_task(done baton.tasks, succeeded boolean, outcome jsonb, failure text, worker text)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    rest baton.tasks;
    policy text;
    event text := 'done';
BEGIN
    PERFORM baton.record_result(done, succeeded, outcome, failure, worker);
    IF done.chain_position IS NOT NULL THEN
        SELECT failure_policy INTO policy FROM baton.groups WHERE id = done.group_id;
        IF succeeded OR policy = 'continue' THEN
            UPDATE baton.tasks SET state = 'queued', run_at = now()
            WHERE group_id = done.group_id AND chain_position = done.chain_position + 1 AND state = 'waiting';
            IF FOUND THEN
                event := 'released';
            END IF;
        ELSE
            FOR rest IN
                DELETE FROM baton.tasks WHERE group_id = done.group_id AND chain_position > done.chain_position
                RETURNING *
            LOOP
                rest.attempts := 0;
                rest.started_at := NULL;
                PERFORM baton.record_result(rest, false, NULL,
                    format('cancelled: link %s (%s) failed', done.chain_position, done.func), NULL);
            END LOOP;
        END IF;
        IF event = 'done' THEN
            UPDATE baton.groups SET finished_at = now()
            WHERE id = done.group_id AND NOT EXISTS (SELECT 1 FROM baton.tasks WHERE group_id = done.group_id);
        END IF;
    END IF;
    event := event || ' ' || done.id::text || ' ' || coalesce(done.group_id, '');
    PERFORM pg_notify('baton', CASE WHEN octet_length(event) > 7900 OR strpos(event, E'\n') > 0 THEN 'all'
                                    ELSE event END);
END $$;

-- Every other function of Baton's gets the same fixed search_path: built-ins come from
-- pg_catalog first and nothing is looked up in a schema other roles can write to (a
-- `public.power(double precision, integer)` would otherwise run with the caller's rights).
DO $$
DECLARE
    routine regprocedure;
BEGIN
    FOR routine IN
        SELECT p.oid FROM pg_proc AS p
        WHERE p.pronamespace = 'baton'::regnamespace AND p.prokind = 'f'
          AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) AS c WHERE c LIKE 'search_path=%')
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, baton, pg_temp', routine);
    END LOOP;
END $$;
