/// The values of `application/x-www-form-urlencoded` text (a POST body, a URL's query):
/// every value of each name, `+` as a space, percent escapes decoded (invalid UTF-8 replaced).
struct FormValues: Sendable {
    private(set) var values: [String: [String]] = [:]

    init(_ text: String) {
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            values[name, default: []].append(parts.count > 1 ? Self.decode(parts[1]) : "")
        }
    }

    /// The first non-empty value of `name`, trimmed of nothing.
    subscript(name: String) -> String? { values[name]?.first { !$0.isEmpty } }

    func all(_ name: String) -> [String] { values[name] ?? [] }

    /// The first non-empty value of each name.
    var firsts: [String: String] { values.compactMapValues { $0.first { !$0.isEmpty } } }

    static func decode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                let high = iterator.next(), low = iterator.next()
                if let high, let low, let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) {
                    bytes.append(value)
                } else {
                    bytes.append(byte)
                    if let high { bytes.append(high) }
                    if let low { bytes.append(low) }
                }
            default: bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
