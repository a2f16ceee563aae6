import Baton
import Foundation
import LibPQ
import Testing
import TestSupport

/// Baton's SQL functions refuse bad input with SQLSTATEs of their own (class QB), which a
/// caller in another language can test, and the Swift API carries them under its error.
@Suite struct SQLErrorCodeTests {
    @Test func malformedInputRaisesQB001AndInsertsNothing() async throws {
        try await TestDatabase.withBroker { broker in
            try await broker.pool.withConnection { connection in
                for call in [
                    #"SELECT baton.async_chain('"not an array"')"#,
                    #"SELECT baton.async_chain('[["baton.echo", [1]]]', failure_policy => 'sometimes')"#,
                    #"SELECT baton.async_task('baton.echo', '{"not": "an array"}')"#,
                    #"SELECT baton.async_tasks('[["baton.echo", [1], {}, {"priority": "high"}]]')"#,
                    #"SELECT baton.async_iter('baton.echo', '"no list"')"#,
                ] {
                    let error = await #expect(throws: PostgresError.self, "\(call)") { try await connection.query(call) }
                    #expect(error?.code == .batonInvalidInput, "\(call): \(String(describing: error))")
                    #expect(error?.sqlState == "QB001")
                }
                let left = try await connection.query("SELECT (SELECT count(*) FROM baton.tasks) + (SELECT count(*) FROM baton.groups)")
                #expect(try left[0].decode(0, as: Int.self) == 0)
            }
        }
    }

    @Test func aGroupThatCannotTakeTheTaskRaisesQB002() async throws {
        try await TestDatabase.withBroker { broker in
            try await broker.pool.withConnection { connection in
                try await connection.execute(#"SELECT baton.async_chain('[["baton.echo", [1]]]', 'order-7')"#)
                let again = await #expect(throws: PostgresError.self) {
                    try await connection.execute(#"SELECT baton.async_chain('[["baton.echo", [2]]]', 'order-7')"#)
                }
                #expect(again?.code == .batonGroupTaken)
                let joining = await #expect(throws: PostgresError.self) {
                    try await connection.execute(#"SELECT baton.async_task('baton.echo', '[3]', "group" => 'order-7')"#)
                }
                #expect(joining?.code == .batonGroupTaken)
                #expect(try await connection.query("SELECT count(*) FROM baton.tasks")[0].decode(0, as: Int.self) == 1)
            }
        }
    }

    @Test func theSwiftAPICarriesTheDatabasesRefusalUnderItsError() async throws {
        try await TestDatabase.withBroker { broker in
            let error = await #expect(throws: BatonError.self) { try await broker.asyncChain(json: #"[{"args": [1]}]"#) }
            #expect(error?.code == .invalidArgument)
            let underlying = try #require(error?.underlying as? PostgresError)
            #expect(underlying.code == .batonInvalidInput)
            #expect(error?.message == underlying.message)
        }
    }
}
