import Foundation

/// One value of a result row, as the server sent it in text form.
public struct SQLCell: Sendable {
    /// The column's name, for error messages.
    public let column: String
    /// The column's type OID.
    public let type: UInt32
    /// The value's text, nil for NULL.
    public let text: String?

    /// The text, or an error naming the column when the value is NULL.
    public func requireText() throws -> String {
        guard let text else {
            throw PostgresError.decoding("the value is NULL; read it as an optional", column: column)
        }
        return text
    }

    /// Checks the column's type; - Throws: `.decoding` naming the column and both types.
    public func require<T>(_ types: Set<UInt32>, for swiftType: T.Type) throws {
        guard types.contains(type) else {
            throw PostgresError.decoding(
                "a \(PostgresType.describe(type)) column cannot be read as \(swiftType)", column: column)
        }
    }

    func invalid<T>(_ swiftType: T.Type) -> PostgresError {
        .decoding("the value \"\(text?.prefix(80) ?? "NULL")\" is not a valid \(swiftType)", column: column)
    }
}

/// A Swift value that can be read from a result column.
public protocol SQLDecodable: Sendable {
    static func decode(from cell: SQLCell) throws -> Self
}

extension SQLDecodable where Self: LosslessStringConvertible {
    static func decodeNumber(from cell: SQLCell, types: Set<UInt32>) throws -> Self {
        try cell.require(types, for: Self.self)
        guard let value = Self(try cell.requireText()) else { throw cell.invalid(Self.self) }
        return value
    }
}

private let integerTypes: Set<UInt32> = [PostgresType.int2, PostgresType.int4, PostgresType.int8]

extension Int: SQLDecodable {
    public static func decode(from cell: SQLCell) throws -> Int { try decodeNumber(from: cell, types: integerTypes) }
}

extension Int64: SQLDecodable {
    public static func decode(from cell: SQLCell) throws -> Int64 { try decodeNumber(from: cell, types: integerTypes) }
}

extension Int32: SQLDecodable {
    public static func decode(from cell: SQLCell) throws -> Int32 {
        try decodeNumber(from: cell, types: [PostgresType.int2, PostgresType.int4])
    }
}

extension Double: SQLDecodable {
    public static func decode(from cell: SQLCell) throws -> Double {
        try decodeNumber(from: cell, types: [PostgresType.float4, PostgresType.float8, PostgresType.numeric])
    }
}

extension Bool: SQLDecodable {
    public static func decode(from cell: SQLCell) throws -> Bool {
        try cell.require([PostgresType.bool], for: Bool.self)
        switch try cell.requireText() {
        case "t": return true
        case "f": return false
        default: throw cell.invalid(Bool.self)
        }
    }
}

extension String: SQLDecodable {
    static let textTypes: Set<UInt32> = [
        PostgresType.text, PostgresType.varchar, PostgresType.bpchar, PostgresType.name, PostgresType.char,
        PostgresType.unknown, PostgresType.json, PostgresType.jsonb,
    ]

    public static func decode(from cell: SQLCell) throws -> String {
        try cell.require(textTypes, for: String.self)
        return try cell.requireText()
    }
}

extension UUID: SQLDecodable {
    public static func decode(from cell: SQLCell) throws -> UUID {
        try cell.require([PostgresType.uuid], for: UUID.self)
        guard let value = UUID(text: try cell.requireText()) else { throw cell.invalid(UUID.self) }
        return value
    }
}

extension Date: SQLDecodable {
    public static func decode(from cell: SQLCell) throws -> Date {
        try cell.require([PostgresType.timestamptz, PostgresType.timestamp], for: Date.self)
        guard let value = PostgresTimestamp.parse(try cell.requireText()) else { throw cell.invalid(Date.self) }
        return value
    }
}

extension Data: SQLDecodable {
    /// Reads bytea's hex output (`\x0a0b`).
    public static func decode(from cell: SQLCell) throws -> Data {
        try cell.require([PostgresType.bytea], for: Data.self)
        let text = try cell.requireText().utf8
        guard text.starts(with: "\\x".utf8), text.count % 2 == 0 else { throw cell.invalid(Data.self) }
        var bytes = Data(capacity: text.count / 2 - 1)
        var high: UInt8?
        for character in text.dropFirst(2) {
            let nibble: UInt8
            switch character {
            case 48...57: nibble = character - 48
            case 97...102: nibble = character - 87
            case 65...70: nibble = character - 55
            default: throw cell.invalid(Data.self)
            }
            if let first = high {
                bytes.append(first << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return bytes
    }
}

extension Optional: SQLDecodable where Wrapped: SQLDecodable {
    public static func decode(from cell: SQLCell) throws -> Wrapped? {
        cell.text == nil ? nil : try Wrapped.decode(from: cell)
    }
}
