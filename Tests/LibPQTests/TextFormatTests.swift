@testable import LibPQ
import Foundation
import Testing

/// The text forms LibPQ reads and writes: array literals and timestamps.
@Suite struct TextFormatTests {
    @Test func arrayLiterals() {
        #expect(PostgresArray.parse("{}") == [])
        #expect(PostgresArray.parse("{a,b}") == ["a", "b"])
        #expect(PostgresArray.parse(#"{"a b","c,d","e\"f","g\\h",NULL,"NULL"}"#) == ["a b", "c,d", "e\"f", "g\\h", nil, "NULL"])
        #expect(PostgresArray.parse("{{1,2},{3,4}}") == nil)
        #expect(PostgresArray.parse("not an array") == nil)
        #expect(PostgresArray.format(["a", "b\"c", "d\\e"]) == #"{"a","b\"c","d\\e"}"#)
        #expect(PostgresArray.parse(PostgresArray.format(["é✓", "", "{x,y}", "\\\""])) == ["é✓", "", "{x,y}", "\\\""])
    }

    @Test func timestamps() {
        let date = Date(timeIntervalSince1970: 1_796_007_942.25)
        #expect(PostgresTimestamp.format(date) == "2026-11-30 03:05:42.250000+00")
        #expect(PostgresTimestamp.parse("2026-11-30 03:05:42.25+00") == date)
        #expect(PostgresTimestamp.parse("2026-11-30 05:35:42.25+02:30") == date)
        #expect(PostgresTimestamp.parse("2026-11-30 03:05:42.25") == date)
        #expect(PostgresTimestamp.parse("1999-01-08 04:05:06") == Date(timeIntervalSince1970: 915_768_306))
        #expect(PostgresTimestamp.parse("2026-11-30") == nil)
        #expect(PostgresTimestamp.parse("2026-11-30 03:05:42 BC") == nil)
    }
}
