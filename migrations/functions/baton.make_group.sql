-- Makes the group `group_id` of a chain or an iter (`kind`), unless `unique_key` is held: by
-- an unfinished group with the key (groups_unique_key settles concurrent callers: one
-- inserts, the others wait for it), or by one that finished within its unique_for
-- (baton.unique_keys). Returns whether it made the group and the id to return to the caller:
-- the new group's, or the holder's. Raises QB002, naming `caller`, when a group `group_id`
-- exists already.
CREATE OR REPLACE FUNCTION baton.make_group(
    group_id text, kind text, length integer, failure_policy text, unique_key text, unique_for interval, caller text,
    OUT made boolean, OUT id text
)
LANGUAGE plpgsql SET search_path = pg_catalog, baton, pg_temp AS $$
BEGIN
    IF unique_for IS NOT NULL AND unique_key IS NULL THEN
        RAISE EXCEPTION '%: unique_for goes with a unique_key', caller USING ERRCODE = 'QB001';
    END IF;
    made := false;
    LOOP
        id := baton.unique_holder('group', unique_key);
        IF id IS NOT NULL THEN
            RETURN;
        END IF;
        -- Refused by the primary key (the group exists) or by an unfinished group with the key.
        INSERT INTO baton.groups AS g (id, kind, length, failure_policy, unique_key, unique_for)
        VALUES (make_group.group_id, make_group.kind, make_group.length, make_group.failure_policy,
                make_group.unique_key, make_group.unique_for)
        ON CONFLICT DO NOTHING;
        EXIT WHEN FOUND;
        SELECT g.id INTO id FROM baton.groups AS g WHERE g.unique_key = make_group.unique_key AND g.finished_at IS NULL;
        IF id IS NOT NULL THEN
            RETURN;
        ELSIF unique_key IS NULL OR EXISTS (SELECT 1 FROM baton.groups AS g WHERE g.id = make_group.group_id) THEN
            RAISE EXCEPTION '%: group "%" already exists; a % needs a group of its own', caller, group_id, kind
                USING ERRCODE = 'QB002';
        END IF;
        -- The group with the key finished between the two looks: look again.
    END LOOP;
    -- One with the key may have finished as this one went in: its key, still taken, wins.
    id := baton.unique_holder('group', unique_key);
    IF id IS NOT NULL THEN
        DELETE FROM baton.groups AS g WHERE g.id = make_group.group_id;
        RETURN;
    END IF;
    made := true;
    id := group_id;
END $$;
