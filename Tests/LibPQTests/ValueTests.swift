import Foundation
import LibPQ
import Testing
import TestSupport

/// Every column type LibPQ supports, sent as a parameter and read back from the server.
@Suite struct ValueTests {
    /// Sends `value` as `$1::type` and reads it back as the same Swift type.
    func roundTrip<T: SQLEncodable & SQLDecodable>(_ value: T, as type: String) async throws -> T {
        let connection = try await TestDatabase.connect()
        let result = try await connection.query("SELECT $1::\(type) AS value", value)
        return try #require(result.first).decode("value", as: T.self)
    }

    @Test func integers() async throws {
        #expect(try await roundTrip(Int.max, as: "bigint") == Int.max)
        #expect(try await roundTrip(Int.min, as: "bigint") == Int.min)
        #expect(try await roundTrip(Int32.min, as: "integer") == Int32.min)
        #expect(try await roundTrip(Int64(-42), as: "bigint") == -42)
        // A smaller column reads as a wider Swift integer.
        let connection = try await TestDatabase.connect()
        let row = try #require(try await connection.query("SELECT 7::smallint AS a, 8::integer AS b").first)
        #expect(try row.decode("a", as: Int.self) == 7)
        #expect(try row.decode("b", as: Int64.self) == 8)
    }

    @Test func doubles() async throws {
        #expect(try await roundTrip(0.1, as: "double precision") == 0.1)
        #expect(try await roundTrip(-1.0e300, as: "double precision") == -1.0e300)
        #expect(try await roundTrip(Double.infinity, as: "double precision") == .infinity)
        #expect(try await roundTrip(Double.nan, as: "double precision").isNaN)
        #expect(try await roundTrip(2.5, as: "numeric") == 2.5)
    }

    @Test func booleans() async throws {
        #expect(try await roundTrip(true, as: "boolean") == true)
        #expect(try await roundTrip(false, as: "boolean") == false)
    }

    @Test func unicodeText() async throws {
        let text = "héllo 🌍 日本語 \"double\" 'single' \\ back\\slash\ttab\nline"
        #expect(try await roundTrip(text, as: "text") == text)
        #expect(try await roundTrip("", as: "text") == "")
    }

    @Test func fiveMegabytesOfText() async throws {
        let text = String(repeating: "0123456789abcdefé", count: 5 * 1024 * 1024 / 18)
        let connection = try await TestDatabase.connect()
        let row = try #require(try await connection.query("SELECT $1::text AS value, length($1::text) AS length", text).first)
        #expect(try row.decode("length", as: Int.self) == text.count)
        #expect(try row.decode("value", as: String.self) == text)
    }

    @Test func uuids() async throws {
        let id = UUID()
        #expect(try await roundTrip(id, as: "uuid") == id)
        // The server's lower-case text reads back too.
        let connection = try await TestDatabase.connect()
        let row = try #require(try await connection.query("SELECT 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::uuid AS id").first)
        #expect(try row.decode("id", as: UUID.self) == UUID(uuidString: "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"))
    }

    @Test func uuidTextMatchesFoundationAndPostgreSQL() async throws {
        for _ in 0..<200 {
            let id = UUID()
            #expect(id.lowercasedText == id.uuidString.lowercased())
            #expect(UUID(text: id.uuidString) == id)
            #expect(UUID(text: id.lowercasedText) == id)
        }
        let connection = try await TestDatabase.connect()
        let id = UUID()
        let printed = try #require(try await connection.query("SELECT $1::uuid::text AS id", id).first)
        #expect(try printed.decode("id", as: String.self) == id.lowercasedText, "PostgreSQL prints it the same way")
        // Anything but the hyphenated 8-4-4-4-12 form is refused, as Foundation refuses it.
        for bad in [
            "", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111",
            "a0eebc999c0b-4ef8-bb6d-6bb9bd380a11-", "g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1 ", "a0eebc99_9c0b-4ef8-bb6d-6bb9bd380a11", "é0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1",
        ] {
            #expect(UUID(text: bad) == nil, "\(bad.debugDescription)")
            #expect(UUID(uuidString: bad) == nil, "\(bad.debugDescription)")
        }
    }

    @Test func timestamps() async throws {
        let date = Date(timeIntervalSince1970: 1_764_471_942.123456)
        let back = try await roundTrip(date, as: "timestamptz")
        #expect(abs(back.timeIntervalSince1970 - date.timeIntervalSince1970) < 0.000_001)
        // The server's own clock and zones other than UTC read as the same instant.
        let connection = try await TestDatabase.connect()
        let row = try #require(try await connection.query(
            "SELECT '2026-11-30 05:05:42.5+02'::timestamptz AS zoned, now() AS now, 'infinity'::timestamptz AS forever").first)
        #expect(try row.decode("zoned", as: Date.self) == Date(timeIntervalSince1970: 1_796_007_942.5))
        #expect(abs(try row.decode("now", as: Date.self).timeIntervalSinceNow) < 60)
        #expect(try row.decode("forever", as: Date.self) == .distantFuture)
    }

    @Test func bytes() async throws {
        let data = Data((0...255).map { UInt8($0) } + [0, 0, 92, 120])
        #expect(try await roundTrip(data, as: "bytea") == data)
        #expect(try await roundTrip(Data(), as: "bytea") == Data())
    }

    @Test func arrays() async throws {
        let texts = ["plain", "with space", "with,comma", "quote\"d", "back\\slash", "NULL", "", "{braces}", "é🌍"]
        #expect(try await roundTrip(texts, as: "text[]") == texts)
        #expect(try await roundTrip([1, -2, Int.max], as: "bigint[]") == [1, -2, Int.max])
        #expect(try await roundTrip([Int32(3), 4], as: "integer[]") == [3, 4])
        let ids = [UUID(), UUID()]
        #expect(try await roundTrip(ids, as: "uuid[]") == ids)
        #expect(try await roundTrip([String](), as: "text[]") == [])
    }

    @Test func json() async throws {
        struct Payload: Codable, Equatable, Sendable {
            let name: String
            let values: [Double]
            let nested: [String: Int]
        }
        let payload = Payload(name: "copysign ✓", values: [1, -1.5], nested: ["a": 1])
        let connection = try await TestDatabase.connect()
        let row = try #require(try await connection.query(
            "SELECT $1::jsonb AS b, $1::json AS j, '{\"name\":\"x\"}'::jsonb AS partial", SQLJSON(payload)).first)
        #expect(try row.decodeJSON("b", as: Payload.self) == payload)
        #expect(try row.decodeJSON("j", as: Payload.self) == payload)
        let error = try #require(throws: PostgresError.self) { try row.decodeJSON("partial", as: Payload.self) }
        #expect(error.code == .decoding)
        #expect(error.column == "partial")
    }

    @Test func nullsBothWays() async throws {
        let connection = try await TestDatabase.connect()
        let row = try #require(try await connection.query(
            "SELECT $1::int AS a, $2::text AS b, $3::uuid AS c, $4::bytea AS d, $5::text[] AS e",
            Int?.none, String?.none, UUID?.none, Data?.none, [String]?.none).first)
        #expect(try row.decode("a", as: Int?.self) == nil)
        #expect(try row.decode("b", as: String?.self) == nil)
        #expect(try row.decode("c", as: UUID?.self) == nil)
        #expect(try row.decode("d", as: Data?.self) == nil)
        #expect(try row.decode("e", as: [String]?.self) == nil)
        let present = try #require(try await connection.query("SELECT $1::int AS a", Int?.some(5)).first)
        #expect(try present.decode("a", as: Int?.self) == 5)
    }

    @Test func nullIntoNonOptionalNamesTheColumn() async throws {
        let connection = try await TestDatabase.connect()
        let row = try #require(try await connection.query("SELECT NULL::int AS missing").first)
        let error = try #require(throws: PostgresError.self) { try row.decode("missing", as: Int.self) }
        #expect(error.code == .decoding)
        #expect(error.column == "missing")
        #expect(error.description.contains("NULL"))
    }

    @Test func wrongTypeNamesTheColumn() async throws {
        let connection = try await TestDatabase.connect()
        let row = try #require(try await connection.query("SELECT 1::int AS number, '{NULL}'::text[] AS holes").first)
        let error = try #require(throws: PostgresError.self) { try row.decode("number", as: Bool.self) }
        #expect(error.code == .decoding)
        #expect(error.column == "number")
        #expect(error.message.contains("integer"))
        #expect(throws: PostgresError.self) { try row.decode("number", as: String.self) }
        #expect(throws: PostgresError.self) { try row.decode("nothing", as: Int.self) }
        // A NULL element of an array of non-optionals is an error, not a silent gap.
        #expect(throws: PostgresError.self) { try row.decode("holes", as: [String].self) }
    }

    @Test func textWithNulIsRefusedBeforeSending() async throws {
        let connection = try await TestDatabase.connect()
        let error = await #expect(throws: PostgresError.self) {
            try await connection.query("SELECT $1::text", "a\u{0}b")
        }
        #expect(error?.code == .encoding)
    }

    @Test func columnsByPositionAndAffectedRows() async throws {
        let connection = try await TestDatabase.connect()
        let table = TestDatabase.uniqueName("rows")
        try await connection.execute(script: "CREATE TEMP TABLE \(table) (n int)")
        #expect(try await connection.execute("INSERT INTO \(table) SELECT generate_series(1, $1::int)", 5) == 5)
        #expect(try await connection.execute("UPDATE \(table) SET n = n + 1 WHERE n > $1", 2) == 3)
        #expect(try await connection.execute("DELETE FROM \(table)") == 5)
        let result = try await connection.query("SELECT 1 AS one, 'two' AS two")
        #expect(result.columns == ["one", "two"])
        #expect(try result[0].decode(1, as: String.self) == "two")
        #expect(result.count == 1)
    }
}
