-- A task joins (or creates) a plain group; a chain's or an iter's group takes no other tasks.
CREATE OR REPLACE FUNCTION baton.join_group(group_name text, caller text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    existing text;
BEGIN
    INSERT INTO baton.groups (id, kind) VALUES (group_name, 'group') ON CONFLICT (id) DO NOTHING;
    IF NOT FOUND THEN
        SELECT kind INTO existing FROM baton.groups WHERE id = group_name;
        IF existing <> 'group' THEN
            RAISE EXCEPTION '%: "%" is %, not a group; give the task another group', caller, group_name,
                CASE existing WHEN 'iter' THEN 'an iter' ELSE 'a ' || existing END
                USING ERRCODE = 'QB002';
        END IF;
    END IF;
END $$;
