import Foundation

extension UUID {
    /// The UUID as PostgreSQL prints it: lower-case hex in groups of 8-4-4-4-12.
    ///
    /// Foundation's `uuidString` and `UUID(uuidString:)` go through `snprintf` and `sscanf`;
    /// a cluster writes and reads several ids per task, so these do it by hand.
    public var lowercasedText: String {
        withUnsafeBytes(of: uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { text in
                var out = 0
                for (index, byte) in bytes.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        text[out] = UInt8(ascii: "-")
                        out += 1
                    }
                    text[out] = UUID.digit(byte >> 4)
                    text[out + 1] = UUID.digit(byte & 0x0f)
                    out += 2
                }
                return out
            }
        }
    }

    /// Reads a UUID in the hyphenated 8-4-4-4-12 form, in either case; nil for anything else.
    public init?(text: some StringProtocol) {
        guard text.utf8.count == 36 else { return nil }
        var value: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let valid = withUnsafeMutableBytes(of: &value) { bytes in
            var count = 0
            var high: UInt8?
            for (position, character) in text.utf8.enumerated() {
                if position == 8 || position == 13 || position == 18 || position == 23 {
                    guard character == UInt8(ascii: "-") else { return false }
                    continue
                }
                guard let nibble = UUID.nibble(character) else { return false }
                if let first = high {
                    bytes[count] = first << 4 | nibble
                    count += 1
                    high = nil
                } else {
                    high = nibble
                }
            }
            return count == 16
        }
        guard valid else { return nil }
        self.init(uuid: value)
    }

    private static func digit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
