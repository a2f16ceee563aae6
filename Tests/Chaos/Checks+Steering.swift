import Baton
import Foundation

/// The invariants of schedules, unique keys and cancellations in a chaos run.
extension Checks {
    /// Each schedule: one task per due time fired (by its name, queued or recorded), one run
    /// recorded per due time; a minute schedule's due times are its anchor and each minute
    /// after, none twice, none skipped; a once schedule fired at most once.
    func schedules() async throws -> (violations: [String], runs: Int) {
        let rows = try await broker.pool.withConnection { connection in
            try await connection.query("""
                SELECT s.name, s.schedule_type, s.runs,
                       (SELECT count(*) FROM baton.schedule_runs AS r WHERE r.schedule = s.name) AS recorded,
                       (SELECT count(*) FROM baton.tasks AS t WHERE t.name = s.name)
                       + (SELECT count(*) FROM baton.results AS t WHERE t.name = s.name) AS tasks,
                       (SELECT count(*) FROM baton.schedule_runs AS r
                        WHERE r.schedule = s.name
                          AND r.due_at <> s.anchor + (SELECT count(*) FROM baton.schedule_runs AS e
                                                      WHERE e.schedule = s.name AND e.due_at < r.due_at)
                                                     * interval '1 minute') AS misplaced
                FROM baton.schedules AS s WHERE s.name = ANY ($1)
                """, [Array(expected.schedules)])
        }
        var violations: [String] = []
        var runs = 0
        for row in rows {
            let name: String = try row.decode("name")
            let (fired, recorded, tasks): (Int, Int, Int) = (try row.decode("runs"), try row.decode("recorded"), try row.decode("tasks"))
            runs += fired
            if fired != recorded || tasks != fired {
                violations.append("schedule \(name): \(fired) runs counted, \(recorded) recorded, \(tasks) tasks")
            }
            if try row.decode("schedule_type", as: String.self) == "minutes", try row.decode("misplaced", as: Int.self) > 0 {
                violations.append("schedule \(name): a due time fired out of its place (twice, or one skipped)")
            }
            if try row.decode("schedule_type", as: String.self) == "once", fired > 1 {
                violations.append("schedule \(name) fired \(fired) times; it fires once")
            }
        }
        if rows.count != expected.schedules.count {
            violations.append("\(expected.schedules.count - rows.count) schedules made are missing")
        }
        return (violations, runs)
    }

    /// No two tasks of one unique key were unfinished at once: ordered by when they began,
    /// each began after the one before it stopped. (Not by `enqueued_at`: that is the enqueue
    /// transaction's start, which may come before the key was freed and the insert after.)
    func uniqueKeys() async throws -> (violations: [String], tasks: Int) {
        let rows = try await broker.pool.withConnection { connection in
            try await connection.query("""
                SELECT r.args ->> 2 AS key, count(*) AS tasks,
                       count(*) FILTER (WHERE r.started_at < r.previous_stop) AS overlapping
                FROM (SELECT args, started_at,
                             lag(stopped_at) OVER (PARTITION BY args ->> 2 ORDER BY started_at) AS previous_stop
                      FROM baton.results WHERE func = 'test.attempt' AND args ->> 2 LIKE 'unique:%') AS r
                GROUP BY r.args ->> 2
                """)
        }
        var violations: [String] = []
        var tasks = 0
        for row in rows {
            tasks += try row.decode("tasks", as: Int.self)
            let overlapping: Int = try row.decode("overlapping")
            if overlapping > 0 {
                violations.append("unique key \(try row.decode("key", as: String.self)): \(overlapping) tasks began while another with it was unfinished")
            }
        }
        return (violations, tasks)
    }

    /// A task cancelled before it started never starts later (unless its cluster was killed,
    /// stopped or cut off then, and so never heard of the cancel): no attempt begins more than
    /// a second after the cancel was recorded.
    func cancellations(log: URL, excuses: [Fleet.Excuse]) async throws -> (violations: [String], cancelled: Int) {
        let ids = Array(expected.cancelTokens.keys)
        let rows = try await broker.pool.withConnection { connection in
            try await connection.query(
                "SELECT id, stopped_at FROM baton.results WHERE id = ANY ($1) AND cancelled", [ids])
        }
        var stopped: [String: Date] = [:]
        for row in rows {
            let id: UUID = try row.decode("id")
            if let token = expected.cancelTokens[id] { stopped[token] = try row.decode("stopped_at") }
        }
        var violations: [String] = []
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 4, fields[0] == "start", let cancelledAt = stopped[String(fields[1])],
                  let pid = Int32(fields[2]), let nanos = Double(fields[3]) else { continue }
            let start = Date(timeIntervalSince1970: nanos / 1e9)
            guard start > cancelledAt.addingTimeInterval(1) else { continue }
            let excused = excuses.contains { ($0.pid == nil || $0.pid == pid) && $0.from <= start && $0.until >= cancelledAt }
            if !excused {
                violations.append("\(fields[1]) started \(start.timeIntervalSince(cancelledAt)) s after it was cancelled")
            }
        }
        return (violations, rows.count)
    }
}
