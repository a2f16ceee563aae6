-- A cluster that stops leaves baton.clusters (primary key).
CREATE OR REPLACE FUNCTION baton.leave_cluster(cluster_name text) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
    DELETE FROM baton.clusters WHERE name = cluster_name
$$;
