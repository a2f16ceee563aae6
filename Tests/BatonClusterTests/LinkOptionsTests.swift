import BatonCluster
import Foundation
import Testing
import TestSupport

/// Options of one chain link (or one task of a bulk enqueue), over the call's: django-q's
/// `q_options`, in Swift (`LinkOptions`) and in each JSON form SQL callers write.
@Suite struct LinkOptionsTests {
    /// The queue's rows of a group, in chain order.
    func links(_ group: String, _ broker: Broker) async throws -> [(name: String, timeout: Double?, attempts: Int, hook: String?, save: Bool, kwargs: String)] {
        try await broker.pool.withConnection { connection in
            try await connection.query("""
                SELECT name, extract(epoch FROM timeout)::float8 AS timeout, max_attempts, hook, save, kwargs::text AS kwargs
                FROM baton.tasks WHERE group_id = $1 ORDER BY chain_position
                """, [group]).map {
                (try $0.decode("name"), try $0.decode("timeout"), try $0.decode("max_attempts"), try $0.decode("hook"),
                 try $0.decode("save"), try $0.decode("kwargs"))
            }
        }
    }

    @Test func aLinksOwnOptionsWinOverTheChains() async throws {
        try await TestDatabase.withBroker { broker in
            let chain = Chain(policy: .continue, maxAttempts: 1, timeout: .seconds(60), broker: broker)
            chain.append("baton.sleep", 2000, options: LinkOptions(timeout: .milliseconds(300)))
            chain.append("baton.fail", "again", options: LinkOptions(maxAttempts: 2, retryDelay: .milliseconds(50)))
            chain.append("baton.echo", "named", options: LinkOptions(taskName: "the third link"))
            let records = try await withCluster(broker) {
                try await chain.run()
                return try await chain.fetch()
            }
            try #require(records.count == 3)
            #expect(records[0].error?.contains("timed out after 0.3 s") == true, "\(records[0].error ?? "")")
            #expect(records[1].attempts == 2 && !records[1].success, "its own max_attempts")
            #expect(records[2].name == "the third link" && records[2].success)
            #expect(try await broker.result("the third link") == ["named"])
        }
    }

    @Test func everyJSONFormCarriesOptions() async throws {
        try await TestDatabase.withBroker { broker in
            let group = "forms ' \" ✓"
            try await broker.pool.withConnection { connection in
                _ = try await connection.query("""
                    SELECT baton.async_chain($1::jsonb, $2, timeout => '10 seconds', hook => 'chain hook')
                    """, [#"""
                    [["baton.echo", [0], {}, {"timeout": 1.5, "max_attempts": 3}],
                     {"func": "baton.echo", "args": [1], "q_options": {"hook": "own hook", "save": false}},
                     ["baton.echo", [2], {"x": 1, "q_options": {"task_name": "from kwargs"}}],
                     ["baton.echo", [3]]]
                    """#, group])
            }
            let rows = try await links(group, broker)
            #expect(rows.map(\.timeout) == [1.5, 10, 10, 10])
            #expect(rows.map(\.attempts) == [3, 1, 1, 1])
            #expect(rows.map(\.hook) == ["chain hook", "own hook", "chain hook", "chain hook"])
            #expect(rows.map(\.save) == [true, false, true, true])
            #expect(rows.map(\.name) == ["baton.echo", "baton.echo", "from kwargs", "baton.echo"])
            #expect(rows[2].kwargs == #"{"x": 1}"#, "q_options is taken out of the kwargs, as django-q does")
        }
    }

    @Test func aBulkEnqueuesTasksOwnOptionsWin() async throws {
        try await TestDatabase.withBroker { broker in
            let ids = try await broker.asyncTasks([
                TaskCall("baton.echo", 1, options: LinkOptions(priority: 5, hook: "own", taskName: "bulk one")),
                TaskCall("baton.echo", 2),
            ], priority: 1, maxAttempts: 2, hook: "shared")
            let rows = try await broker.pool.withConnection { connection in
                try await connection.query(
                    "SELECT name, priority, max_attempts, hook FROM baton.tasks WHERE id = ANY ($1) ORDER BY id", [ids]
                ).map { (try $0.decode("name", as: String.self), try $0.decode("priority", as: Int.self),
                         try $0.decode("max_attempts", as: Int.self), try $0.decode("hook", as: String.self)) }
            }
            #expect(rows.map(\.0) == ["bulk one", "baton.echo"] && rows.map(\.1) == [5, 1])
            #expect(rows.map(\.2) == [2, 2] && rows.map(\.3) == ["own", "shared"])
            let sql = try await broker.pool.withConnection { connection in
                _ = try await connection.query("""
                    SELECT baton.async_tasks('[["baton.echo", [1], {}, {"priority": 7, "task_name": "sql bulk"}], ["baton.echo", [2]]]')
                    """)
                return try await connection.query(
                    "SELECT count(*) FROM baton.tasks WHERE priority = 7 AND name = 'sql bulk'")[0].decode(0, as: Int.self)
            }
            #expect(sql == 1)
        }
    }

    /// Bad options get an error naming the link and the option; nothing of the call is enqueued.
    @Test(arguments: [
        (#"{"colour": "red"}"#, #"unknown option "colour""#),
        (#"{"timeout": "soon"}"#, "numbers of seconds"),
        (#"{"max_attempts": 1.5}"#, "whole numbers"),
        (#"{"save": "perhaps"}"#, "true or false"),
        (#"{"hook": 3}"#, "non-empty strings"),
        (#"{"task_name": ""}"#, "non-empty strings"),
        (#"{"timeout": -1}"#, "out of range"),
        (#"[1, 2]"#, "must be a JSON object"),
        (#"{"'; DROP TABLE baton.tasks; --\u202e": 1}"#, "unknown option"),
        ("{\"" + String(repeating: "ü", count: 10_000) + "\": 1}", "unknown option"),
        (#"{"group": "elsewhere"}"#, "belong to the whole call"),
    ])
    func badOptionsAreRefusedAndNothingIsEnqueued(options: String, says: String) async throws {
        try await TestDatabase.withBroker { broker in
            let chain = #"[["baton.echo", [0]], ["baton.echo", [1], {}, "# + options + "]]"
            let error = await #expect(throws: BatonError.self) { try await broker.asyncChain(json: chain) }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains(says) == true, "\(error?.message.prefix(300) ?? "")")
            #expect(error.map { $0.message.utf8.count < 2000 } == true, "the error stays readable")
            if options.hasPrefix("{") && !options.contains("-1") {
                #expect(error?.message.contains("chain link 1") == true)
            }
            let left = try await count("SELECT (SELECT count(*) FROM baton.tasks) + (SELECT count(*) FROM baton.groups)", on: broker)
            #expect(left == 0, "no task and no group")
        }
    }
}
