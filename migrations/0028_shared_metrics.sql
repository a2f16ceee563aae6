-- One reading of baton.metrics() shared by every process that serves /metrics: each cluster
-- and dashboard is scraped every few seconds, and a reading scans the whole queue table
-- (70-150 ms at 100,000 queued tasks), so twenty worker containers scraped every 15 seconds
-- scanned it twenty times in 15 seconds. baton.shared_metrics() keeps the last reading here
-- with the database's time it was made; one row. UNLOGGED: a crash loses nothing but a
-- reading, made again by the next scrape.
CREATE UNLOGGED TABLE baton.metrics_reading (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    read_at  timestamptz NOT NULL,
    -- [[metric, queue, func, state, value], ...], as baton.metrics() returns them.
    samples  jsonb NOT NULL
);
