-- Enqueues the task of schedule `s` for its due time, with id `task_id`: the schedule's
-- function, arguments and options (baton.parse_link), named after the schedule unless its
-- options name the task, and asks to wake the waiting clusters at commit.
CREATE OR REPLACE FUNCTION baton.enqueue_scheduled(s baton.schedules, task_id uuid)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, baton, pg_temp AS $$
DECLARE
    link record;
BEGIN
    SELECT * INTO link FROM baton.parse_link(jsonb_build_array(s.func, s.args, s.kwargs, s.options),
                                             format('schedule "%s"', left(s.name, 100)));
    PERFORM set_config('baton.wake', 'on', true);
    INSERT INTO baton.tasks (id, name, func, args, kwargs, priority, max_attempts, retry_delay, timeout, hook, save,
                             queue)
    VALUES (task_id, coalesce(link.task_name, s.name), link.func, link.args, link.kwargs, coalesce(link.priority, 0),
            coalesce(link.max_attempts, 1), coalesce(link.retry_delay, interval '1 second'), link.timeout, link.hook,
            coalesce(link.save, true), coalesce(link.queue, 'default'));
END $$;
