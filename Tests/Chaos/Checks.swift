import Baton
import Foundation

/// The invariants of a chaos run, checked from the database and the attempt log once the
/// queue has drained. Each returns the violations it found, described.
struct Checks {
    let broker: Broker
    let expected: Expectations

    /// Every committed task has exactly one result, the one it should have; nothing of a
    /// rolled-back transaction exists; tasks no worker can run are still queued, unclaimed.
    func results() async throws -> [String] {
        var violations: [String] = []
        let ids = Array(expected.tasks.keys)
        let rows = try await broker.pool.withConnection { connection in
            try await connection.query("""
                SELECT i.id, count(r.id) AS results, bool_and(r.success) AS success, min(r.error) AS error,
                       bool_and(r.cancelled) AS cancelled,
                       min(r.result::text) AS result, (SELECT t.state FROM baton.tasks AS t WHERE t.id = i.id) AS state,
                       (SELECT t.attempts FROM baton.tasks AS t WHERE t.id = i.id) AS attempts
                FROM unnest($1::uuid[]) AS i (id) LEFT JOIN baton.results AS r ON r.id = i.id
                GROUP BY i.id
                """, ids)
        }
        for row in rows {
            let id: UUID = try row.decode("id")
            let count: Int = try row.decode("results")
            let state: String? = try row.decode("state")
            switch expected.tasks[id]! {
            case .neverClaimed:
                let attempts: Int? = try row.decode("attempts")
                if count != 0 || state != "queued" || attempts != 0 {
                    violations.append("task \(id.lowercasedText) of an unknown function left the queue or was claimed")
                }
                continue
            default:
                if count != 1 || state != nil {
                    violations.append("task \(id.lowercasedText) has \(count) results and is \(state ?? "not") in the queue")
                    continue
                }
            }
            let success: Bool = try row.decode("success")
            let error: String? = try row.decode("error")
            let result = try row.decode("result", as: String?.self).map { try JSONValue.parse($0) }
            switch expected.tasks[id]! {
            case .value(let value) where !success || result != value:
                violations.append("task \(id.lowercasedText) should have returned \(value), got \(result.map { "\($0)" } ?? error ?? "nothing")")
            case .failure(let prefix) where success || !(error ?? "").hasPrefix(prefix):
                violations.append("task \(id.lowercasedText) should have failed with \(prefix.debugDescription), got \((error ?? "success").debugDescription)")
            case .valueOrCancelled(let value):
                let cancelled: Bool = try row.decode("cancelled")
                if !(success && result == value) && !(cancelled && error == "cancelled by the chaos run") {
                    violations.append("task \(id.lowercasedText) should have returned \(value) or been cancelled, got \(result.map { "\($0)" } ?? error ?? "nothing")")
                }
            default: break
            }
        }
        let rolledBack = try await number(
            "SELECT (SELECT count(*) FROM baton.results WHERE id = ANY ($1)) + (SELECT count(*) FROM baton.tasks WHERE id = ANY ($1))",
            expected.rolledBack)
        if rolledBack > 0 { violations.append("\(rolledBack) tasks of rolled-back transactions exist") }
        return violations
    }

    /// Every chain has one result per link, in order: link n+1 began after link n was recorded.
    func chains() async throws -> [String] {
        let groups = Array(expected.chains.keys)
        let rows = try await broker.pool.withConnection { connection in
            try await connection.query("""
                SELECT g.id, count(r.id) AS results, count(DISTINCT r.chain_position) AS positions,
                       (SELECT count(*) FROM baton.results AS next JOIN baton.results AS previous
                          ON previous.group_id = next.group_id AND previous.chain_position = next.chain_position - 1
                        WHERE next.group_id = g.id AND next.started_at < previous.stopped_at) AS overlapping,
                       (SELECT finished_at IS NOT NULL FROM baton.groups WHERE id = g.id) AS finished
                FROM unnest($1::text[]) AS g (id) LEFT JOIN baton.results AS r ON r.group_id = g.id
                GROUP BY g.id
                """, groups)
        }
        var violations: [String] = []
        for row in rows {
            let group: String = try row.decode("id")
            let links = expected.chains[group]!
            let (results, positions, overlapping): (Int, Int, Int) =
                (try row.decode("results"), try row.decode("positions"), try row.decode("overlapping"))
            if results != links || positions != links {
                violations.append("chain \(group.prefix(40).debugDescription) of \(links) links has \(results) results at \(positions) positions")
            }
            if overlapping > 0 { violations.append("chain \(group.prefix(40).debugDescription): a link began before the one before it was recorded") }
            if try row.decode("finished", as: Bool?.self) != true { violations.append("chain \(group.prefix(40).debugDescription) not marked finished") }
        }
        return violations
    }

    /// No task ran on two clusters at once unless the first was killed, stopped or cut off
    /// then, and nothing of a rolled-back transaction ever started.
    static func attempts(log: URL, excuses: [Fleet.Excuse], deaths: [Int32: Date], rolledBack: Set<String>) throws -> (violations: [String], attempts: Int, excused: Int) {
        struct Attempt { let pid: Int32; let start: Date; var end: Date? }
        var byToken: [String: [Attempt]] = [:]
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 4, let pid = Int32(fields[2]), let nanos = Double(fields[3]) else { continue }
            let token = String(fields[1])
            let at = Date(timeIntervalSince1970: nanos / 1e9)
            if fields[0] == "start" {
                byToken[token, default: []].append(Attempt(pid: pid, start: at))
            } else if let index = byToken[token]?.lastIndex(where: { $0.pid == pid && $0.end == nil }) {
                byToken[token]![index].end = at
            }
        }
        var violations: [String] = []
        var total = 0, excused = 0
        for (token, attempts) in byToken {
            total += attempts.count
            if rolledBack.contains(token) { violations.append("\(token), of a rolled-back transaction, ran") }
            for (i, first) in attempts.enumerated() {
                // A killed process's attempt ended when it died.
                let end = first.end ?? deaths[first.pid] ?? .distantFuture
                for second in attempts[(i + 1)...] where second.pid != first.pid && second.start < end {
                    let cause = excuses.first { excuse in
                        (excuse.pid == nil || excuse.pid == first.pid) && excuse.from <= second.start && excuse.until >= first.start
                    }
                    if cause == nil {
                        violations.append("\(token) ran on pids \(first.pid) and \(second.pid) at once, with neither stopped, killed nor cut off")
                    } else {
                        excused += 1
                    }
                }
            }
        }
        return (violations, total, excused)
    }

    private func number(_ sql: String, _ parameters: any SQLEncodable...) async throws -> Int {
        try await broker.pool.withConnection { try await $0.query(sql, parameters)[0].decode(0, as: Int.self) }
    }
}
