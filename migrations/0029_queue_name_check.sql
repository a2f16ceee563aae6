-- A queue's name checked without a bounded repetition: PostgreSQL's regular expressions
-- expand `{1,128}` into 128 states, and tasks_queue_check runs on every update of a task
-- (each claim, each retry), so the check cost 3.3 µs a row: 100,000 updates of a table of
-- that shape took 520-570 ms with it, 115-140 ms without, 140-165 ms with the one below,
-- which allows the same names (1 to 128 of these characters, all of one byte).
ALTER TABLE baton.tasks DROP CONSTRAINT tasks_queue_check,
    ADD CONSTRAINT tasks_queue_check CHECK (queue ~ '^[A-Za-z0-9_.:-]+$' AND length(queue) <= 128);
ALTER TABLE baton.queues DROP CONSTRAINT queues_name_check,
    ADD CONSTRAINT queues_name_check CHECK (name ~ '^[A-Za-z0-9_.:-]+$' AND length(name) <= 128);
