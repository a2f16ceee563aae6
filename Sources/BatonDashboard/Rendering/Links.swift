/// Links between the pages: values go in the query, percent-encoded, never in the path, so
/// that a group named `../x?y` is a value like any other.
struct Links: Sendable {
    let base: String

    func page(_ path: String, _ query: [(String, String?)] = []) -> String {
        let pairs = query.compactMap { name, value in value.map { "\(name)=\(Self.encode($0))" } }
        return base + path + (pairs.isEmpty ? "" : "?" + pairs.joined(separator: "&"))
    }

    func task(_ id: String) -> String { page("/task", [("id", id)]) }
    func group(_ id: String) -> String { page("/group", [("id", id)]) }
    func tasks(queue: String? = nil, function: String? = nil) -> String {
        page("/tasks", [("queue", queue), ("function", function)])
    }

    /// Every byte but the unreserved ones, percent-encoded.
    static func encode(_ value: String) -> String {
        var encoded = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                 UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                encoded += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return encoded
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
