-- Deletes expired cached results (cached_results_expiry) and unique keys no longer taken
-- (baton.unique_keys), and forgets clusters silent for
-- three of their leases (nine missed heartbeats): killed, or cut off for good. A cluster
-- that was only stopped registers again at its next heartbeat. Returns the clusters forgotten.
CREATE OR REPLACE FUNCTION baton.prune_expired() RETURNS SETOF text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
BEGIN
    DELETE FROM baton.cached_results WHERE expires_at <= now();
    DELETE FROM baton.unique_keys WHERE until <= now();
    RETURN QUERY DELETE FROM baton.clusters WHERE seen_at < now() - 3 * lease RETURNING name;
END $$;
