import Baton
import Testing

@Suite struct JSONValueTests {
    @Test func integersAndFloatsStayApart() throws {
        #expect(try JSONValue.parse("[1, -1.0, 2.5e3, 0]") == [.int(1), .double(-1), .double(2500), .int(0)])
        #expect(try JSONValue.array([1, -1.0]).jsonText() == "[1,-1.0]")
        #expect("\(JSONValue.array([-1.0, 1]))" == "[-1.0, 1]")
    }

    @Test func printsLikePython() {
        let value: JSONValue = ["a": [true, nil, "it's"], "b": 1.5]
        #expect(value.description == #"{'a': [True, None, 'it\'s'], 'b': 1.5}"#)
    }

    @Test func roundTripsTextWithEscapesAndUnicode() throws {
        let text = "quote \" backslash \\ newline \n tab \t control \u{1} 日本 🌍"
        let json = try JSONValue.string(text).jsonText()
        #expect(try JSONValue.parse(json) == .string(text))
        #expect(try JSONValue.parse(#""\ud83c\udf0d \u00e9""#) == "🌍 é")
    }

    @Test func parsesObjectsAndNesting() throws {
        let value = try JSONValue.parse(#" { "a" : { "b" : [ ] }, "c": {} , "d": null } "#)
        #expect(value == ["a": ["b": []], "c": [:], "d": nil])
    }

    @Test(arguments: ["", "[1,", "{\"a\" 1}", "tru", "[1] 2", "\"unclosed", "01x", "{1: 2}"])
    func malformedTextIsAnError(text: String) {
        #expect(throws: BatonError.self) { try JSONValue.parse(text) }
    }

    @Test func nanCannotBeWritten() {
        #expect(throws: BatonError.self) { try JSONValue.double(.nan).jsonText() }
    }

    @Test func decodesIntoSwiftTypes() throws {
        struct Point: Codable, Equatable { let x: Double; let y: Double }
        #expect(try JSONValue.int(3).decode(Double.self) == 3.0)
        #expect(try JSONValue.object(["x": 1, "y": 2.5]).decode(Point.self) == Point(x: 1, y: 2.5))
        #expect(try JSONValue(encoding: Point(x: 1, y: 2)) == ["x": 1, "y": 2])
        #expect(throws: (any Error).self) { try JSONValue.string("x").decode(Int.self) }
    }
}
