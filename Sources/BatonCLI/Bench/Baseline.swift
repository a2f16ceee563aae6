import Foundation
import Baton

/// The database's own limit for the work Baton does, measured through LibPQ without
/// Baton's code, on a table shaped like the queue (`LIKE baton.tasks INCLUDING ALL`: the
/// same columns, checks and indexes, and ids in time order as Baton makes them): single-row
/// inserts, COPY, and claiming rows with `FOR UPDATE SKIP LOCKED` and completing them.
struct Baseline {
    let configuration: ConnectionConfiguration
    let connections: Int

    /// Single-row INSERT, one per transaction, from `connections` connections: rows/s.
    func inserts(_ count: Int) async throws -> Double {
        try await withTable { _ in
            try await timed(count) { connection, share in
                for _ in 0..<share { _ = try await connection.query(BaselineSQL.insert, "baton.echo", "[]", "{}") }
            }
        }
    }

    /// COPY of `count` rows, `chunk` rows per statement, from one connection: rows/s.
    func copies(_ count: Int, chunk: Int = 5_000) async throws -> Double {
        try await withTable { connection in
            let started = ContinuousClock.now
            var left = count
            while left > 0 {
                var rows = CopyRows()
                for id in UUID.timeOrdered(count: min(chunk, left)) {
                    rows.append([id.lowercasedText, "baton.echo", "baton.echo", "[]", "{}"])
                }
                try await connection.copy(BaselineSQL.copy, rows)
                left -= rows.count
            }
            return Measure.rate(count, in: ContinuousClock.now - started)
        }
    }

    /// Claim up to `batch` rows (`SELECT ... FOR UPDATE SKIP LOCKED` in the claim order's
    /// index) and complete them (`DELETE`), one transaction per batch, from `connections`
    /// connections: rows/s.
    func claimAndComplete(_ count: Int, batch: Int) async throws -> Double {
        try await withQueue(count) { _ in
            try await timed(count) { connection, _ in
                while try await connection.transaction({ tx in
                    let ids = try await tx.query(BaselineSQL.claim, batch).map { try $0.decode(0, as: UUID.self) }
                    if !ids.isEmpty { _ = try await tx.query(BaselineSQL.complete, ids) }
                    return !ids.isEmpty
                }) {}
            }
        }
    }

    /// The writes Baton makes, in batches of `batch`: a claim (`UPDATE` to running with a
    /// lease, of rows locked `FOR UPDATE SKIP LOCKED`, autocommit, `synchronous_commit` off
    /// for its transaction as Baton's claim sets it), then a completion (`DELETE` of the
    /// claimed rows and `INSERT` of their result rows into a table shaped like
    /// baton.results, one statement, autocommit), from `connections` connections: rows/s.
    func claimCompleteAndRecord(_ count: Int, batch: Int) async throws -> Double {
        try await withQueue(count) { setup in
            try await setup.execute(script: BaselineSQL.createResults)
            let rate = try await timed(count) { connection, _ in
                while true {
                    let ids = try await connection.query(BaselineSQL.lease, batch).map { try $0.decode(0, as: UUID.self) }
                    if ids.isEmpty { break }
                    _ = try await connection.query(BaselineSQL.record, ids)
                }
            }
            try await setup.execute(script: BaselineSQL.dropResults)
            return rate
        }
    }

    /// Claim and complete in one statement (`DELETE ... WHERE id IN (SELECT ... FOR UPDATE
    /// SKIP LOCKED)`), `batch` rows each, autocommit: the fewest round trips there are.
    func claimAndCompleteInOneStatement(_ count: Int, batch: Int) async throws -> Double {
        try await withQueue(count) { _ in
            try await timed(count) { connection, _ in
                while try await connection.query(BaselineSQL.claimAndDelete, batch).affectedRows > 0 {}
            }
        }
    }

    /// The table with `count` queued rows, vacuumed and analysed.
    private func withQueue(_ count: Int, _ body: (Connection) async throws -> Double) async throws -> Double {
        try await withTable { setup in
            try await setup.execute(BaselineSQL.fill, count)
            try await setup.execute(script: BaselineSQL.vacuum)
            return try await body(setup)
        }
    }

    /// Runs `body` on `connections` connections at once, each with its share of `count`;
    /// returns count per second of wall time.
    func timed(
        _ count: Int, _ body: @escaping @Sendable (Connection, Int) async throws -> Void
    ) async throws -> Double {
        let opened = try await (0..<connections).asyncMap { _ in try await Connection.connect(configuration) }
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, connection) in opened.enumerated() {
                let share = count / connections + (index < count % connections ? 1 : 0)
                group.addTask { try await body(connection, share) }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - started
        for connection in opened { await connection.close() }
        return Measure.rate(count, in: elapsed)
    }

    /// A table shaped like baton.tasks (`BaselineSQL.table`), dropped afterwards.
    private func withTable<R>(_ body: (Connection) async throws -> R) async throws -> R {
        let setup = try await Connection.connect(configuration)
        try await setup.execute(script: BaselineSQL.createTable)
        do {
            let value = try await body(setup)
            try await setup.execute(script: BaselineSQL.dropTable)
            await setup.close()
            return value
        } catch {
            try? await setup.execute(script: BaselineSQL.dropTable)
            await setup.close()
            throw error
        }
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var values: [T] = []
        for element in self { values.append(try await transform(element)) }
        return values
    }
}
