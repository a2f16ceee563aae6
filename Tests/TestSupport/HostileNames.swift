/// Names and strings that try to break Baton: quotes, backslashes, line breaks, unicode and
/// lengths past every limit a protocol or a payload has.
public enum HostileNames {
    /// A task function name of 3,000-odd characters, registered by `baton-test-worker`.
    public static let function = "test.ünï'cødé \"quoted\" \\ back\nslash-" + String(repeating: "x", count: 3_000)

    /// A group name of `length` characters, starting with `prefix`, that no notification can carry.
    public static func group(_ prefix: String, length: Int = 9_000) -> String {
        let tail = "-ü'\"\\\n\t€" + String(repeating: "g", count: max(0, length - prefix.count - 8))
        return prefix + tail
    }

    /// A string value with every kind of character that needs escaping somewhere.
    public static let text = "it's \"quoted\", back\\slashed,\nnew-lined, tabbed\t, ünïcødé, emoji 🚀, nul-free"
}
