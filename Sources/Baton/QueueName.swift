/// A queue's name: 1 to 128 letters, digits, `_`, `-`, `.` or `:` (as migrations/0020_queues.sql checks).
public enum QueueName {
    public static let `default` = "default"

    /// - Throws: `BatonError.invalidArgument` naming the name for any other.
    public static func check(_ name: String) throws {
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: ":")
        }
        guard allowed, (1...128).contains(name.utf8.count) else {
            throw BatonError(
                code: .invalidArgument,
                message: "a queue's name is 1 to 128 letters, digits, \"_\", \"-\", \".\" or \":\", not "
                    + String(name.prefix(140)).debugDescription)
        }
    }
}
