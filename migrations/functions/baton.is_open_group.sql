-- Whether `group_name` is a group that tasks may join (not a chain), for the row policy of
-- baton_enqueue's inserts (groups primary key).
CREATE OR REPLACE FUNCTION baton.is_open_group(group_name text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
    SELECT coalesce((SELECT kind = 'group' FROM baton.groups WHERE id = group_name), false)
$$;
