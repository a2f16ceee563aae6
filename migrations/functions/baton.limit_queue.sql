-- Sets the most tasks of a queue leased at once across every cluster; NULL removes the
-- limit (baton.steer_queue).
CREATE OR REPLACE FUNCTION baton.limit_queue(queue text, running_limit integer) RETURNS baton.queues
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
    SELECT baton.steer_queue(queue, running_limit => running_limit, clear_limit => running_limit IS NULL)
$$;
