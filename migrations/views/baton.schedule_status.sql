-- Every schedule with its last run: when it was due, its task, and that task's state
-- (`queued`, `running`, `waiting`, `succeeded`, `failed`, or `gone` when neither the queue nor
-- the history has it, a result not saved or pruned), and why its last firing failed, if it did.
CREATE OR REPLACE VIEW baton.schedule_status AS
SELECT s.name, s.func, s.schedule_type, s.minutes, s.cron, s.time_zone, s.repeats, s.paused, s.catch_up,
       s.next_run, s.runs, s.last_run, s.failure, last.task_id AS last_task,
       CASE WHEN last.task_id IS NULL THEN NULL
            WHEN t.state IS NOT NULL THEN t.state
            WHEN r.success THEN 'succeeded'
            WHEN r.success IS NOT NULL THEN 'failed'
            ELSE 'gone' END AS last_state,
       r.error AS last_error
FROM baton.schedules AS s
LEFT JOIN LATERAL (SELECT k.task_id FROM baton.schedule_runs AS k WHERE k.schedule = s.name
                   ORDER BY k.enqueued_at DESC, k.due_at DESC LIMIT 1) AS last ON true
LEFT JOIN baton.tasks AS t ON t.id = last.task_id
LEFT JOIN baton.all_results AS r ON r.id = last.task_id;
