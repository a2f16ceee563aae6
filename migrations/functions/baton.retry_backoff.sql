-- The wait before retry n: retry_delay * 2^(n-1), +-25 % jitter, at most an hour.
CREATE OR REPLACE FUNCTION baton.retry_backoff(retry_delay interval, attempt integer) RETURNS interval
LANGUAGE sql VOLATILE SET search_path = pg_catalog, baton, pg_temp AS $$
    SELECT least(interval '1 hour', retry_delay * power(2, least(attempt, 30) - 1)) * (0.75 + random() * 0.5)
$$;
