import LibPQ

/// Schedules (Broker+Schedules) and their firing (WorkerCalls).
enum ScheduleSQL {
    /// Creates or replaces a schedule by name (baton.schedule; schedules primary key), read
    /// back as stored: the enqueue role may make schedules without reading the last runs.
    static let upsert = """
        SELECT s.name, s.func, s.schedule_type, s.minutes, s.cron, s.time_zone, s.repeats, s.paused, s.catch_up,
               s.next_run, s.runs, s.last_run, s.failure, NULL::uuid AS last_task, NULL::text AS last_state,
               NULL::text AS last_error
        FROM baton.schedule($1, $2, $3::jsonb, $4::jsonb, $5, $6::integer, $7, $8, $9::integer, $10::timestamptz,
                            $11::boolean, $12::jsonb) AS s
        """
    /// Every schedule with its last run (baton.schedule_status; schedules, schedule_runs primary keys).
    static let status = "SELECT * FROM baton.schedule_status ORDER BY name"
    /// One schedule (baton.schedule_status).
    static let one = "SELECT * FROM baton.schedule_status WHERE name = $1"
    /// A schedule's last runs, newest first, with their tasks' records (schedule_runs primary key,
    /// results and cached_results primary keys through baton.all_results).
    static let runs = """
        SELECT k.due_at, k.task_id, k.fired_by, \(TaskRecord.columns(of: "r", prefix: "", cachedColumn: "r.cached"))
        FROM baton.schedule_runs AS k LEFT JOIN baton.all_results AS r ON r.id = k.task_id
        WHERE k.schedule = $1 ORDER BY k.due_at DESC LIMIT $2
        """
    /// Pauses, resumes or deletes a schedule (baton.steer_schedule).
    static let steer = "SELECT baton.steer_schedule($1, $2::boolean, $3::boolean)"
    /// Enqueues a schedule's task now (baton.run_schedule_now).
    static let runNow = "SELECT baton.run_schedule_now($1)"
    /// Fires the due schedules no one else is firing (baton.fire_schedules; schedules_due).
    static let fire = PreparedStatement(name: "baton_fire_schedules", sql: "SELECT * FROM baton.fire_schedules($1)")
}
