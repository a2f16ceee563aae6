/// Writes samples in Prometheus's text exposition format (version 0.0.4): a family's `# HELP`
/// and `# TYPE` once, then its samples, label values escaped (a backslash, a double quote and a
/// line feed), so that no name a user chose can break the output.
struct PrometheusText {
    private(set) var text = ""

    /// Starts a family of gauges.
    mutating func family(_ name: String, help: String) {
        text += "# HELP \(name) \(Self.escape(help, quotes: false))\n# TYPE \(name) gauge\n"
    }

    /// One sample of the family started last.
    mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        text += name
        if !labels.isEmpty {
            text += "{" + labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",") + "}"
        }
        text += " \(Self.format(value))\n"
    }

    /// A label value with its backslashes, double quotes and line feeds escaped; HELP text
    /// escapes no quote.
    static func escape(_ value: String, quotes: Bool = true) -> String {
        var escaped = ""
        escaped.reserveCapacity(value.utf8.count)
        for character in value.unicodeScalars {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"" where quotes: escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}

