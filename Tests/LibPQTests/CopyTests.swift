import LibPQ
import Testing
import TestSupport

/// COPY ... FROM STDIN through `copy(_:_:)`.
@Suite struct CopyTests {
    @Test func copiesRowsWithEveryCharacterTheTextFormatEscapes() async throws {
        let connection = try await TestDatabase.connect()
        try await connection.execute(script: "CREATE TEMP TABLE copied (n integer, note text, doc jsonb)")
        let notes: [String?] = ["plain", "tab\there", "line\nbreak", "back\\slash", "cr\r", nil, "ünïcødé \\N"]
        var rows = CopyRows()
        for (index, note) in notes.enumerated() {
            rows.append([String(index), note, #"{"note": "\#(index)"}"#])
        }
        let copied = try await connection.copy("COPY copied (n, note, doc) FROM STDIN", rows)
        #expect(copied == notes.count)
        #expect(rows.count == notes.count)
        let stored = try await connection.query("SELECT note, doc ->> 'note' AS index FROM copied ORDER BY n")
        #expect(try stored.map { try $0.decode("note", as: String?.self) } == notes)
        #expect(try stored.map { try $0.decode("index", as: String.self) } == notes.indices.map(String.init))
    }

    @Test func aBadValueCopiesNothingAndTheConnectionGoesOn() async throws {
        let connection = try await TestDatabase.connect()
        try await connection.execute(script: "CREATE TEMP TABLE numbers (n integer NOT NULL)")
        var rows = CopyRows()
        rows.append(["1"])
        rows.append(["two"])
        let error = await #expect(throws: PostgresError.self) {
            try await connection.copy("COPY numbers (n) FROM STDIN", rows)
        }
        #expect(error?.sqlState == "22P02")
        #expect(error?.message.contains("two") == true)
        #expect(try await connection.query("SELECT count(*) AS n FROM numbers")[0].decode("n", as: Int.self) == 0)
    }

    @Test func copyIsRefusedForStatementsThatAreNotCopyFromStdin() async throws {
        let connection = try await TestDatabase.connect()
        let missing = await #expect(throws: PostgresError.self) {
            try await connection.copy("COPY no_such_table FROM STDIN", CopyRows())
        }
        #expect(missing?.code == .undefinedTable)
        let select = await #expect(throws: PostgresError.self) {
            try await connection.copy("SELECT 1", CopyRows())
        }
        #expect(select?.code == .misuse)
        #expect(try await connection.query("SELECT 1 AS n")[0].decode("n", as: Int.self) == 1)
    }

    @Test func copyInATransactionRollsBackWithIt() async throws {
        let connection = try await TestDatabase.connect()
        try await connection.execute(script: "CREATE TEMP TABLE kept (n integer)")
        var rows = CopyRows()
        for n in 0..<1000 { rows.append([String(n)]) }
        struct Abort: Error {}
        await #expect(throws: Abort.self) {
            try await connection.transaction { tx in
                #expect(try await tx.copy("COPY kept (n) FROM STDIN", rows) == 1000)
                throw Abort()
            }
        }
        #expect(try await connection.query("SELECT count(*) AS n FROM kept")[0].decode("n", as: Int.self) == 0)
    }
}
