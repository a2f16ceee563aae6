-- The task (kind `task`) or chain or iter (`group`) that finished holding `key` and holds it still
-- (baton.unique_keys: within its unique_for), as uuid text or group id; NULL when none does.
CREATE OR REPLACE FUNCTION baton.unique_holder(kind text, key text) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, baton, pg_temp AS $$
    SELECT k.id FROM baton.unique_keys AS k
    WHERE key IS NOT NULL AND k.kind = unique_holder.kind AND k.key = unique_holder.key AND k.until > now()
$$;
