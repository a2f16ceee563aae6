import Foundation

/// A Swift value that can be sent as a `$n` parameter.
public protocol SQLEncodable: Sendable {
    /// The PostgreSQL type the value is sent as (0 lets the server infer it).
    static var sqlType: UInt32 { get }
    func sqlParameter() throws -> SQLParameter
}

extension Int: SQLEncodable {
    public static var sqlType: UInt32 { PostgresType.int8 }
    public func sqlParameter() throws -> SQLParameter { try SQLParameter(text: String(self), type: Self.sqlType) }
}

extension Int64: SQLEncodable {
    public static var sqlType: UInt32 { PostgresType.int8 }
    public func sqlParameter() throws -> SQLParameter { try SQLParameter(text: String(self), type: Self.sqlType) }
}

extension Int32: SQLEncodable {
    public static var sqlType: UInt32 { PostgresType.int4 }
    public func sqlParameter() throws -> SQLParameter { try SQLParameter(text: String(self), type: Self.sqlType) }
}

extension Double: SQLEncodable {
    public static var sqlType: UInt32 { PostgresType.float8 }
    public func sqlParameter() throws -> SQLParameter {
        let text = isNaN ? "NaN" : isInfinite ? (self < 0 ? "-Infinity" : "Infinity") : String(self)
        return try SQLParameter(text: text, type: Self.sqlType)
    }
}

extension Bool: SQLEncodable {
    public static var sqlType: UInt32 { PostgresType.bool }
    public func sqlParameter() throws -> SQLParameter { try SQLParameter(text: self ? "t" : "f", type: Self.sqlType) }
}

extension String: SQLEncodable {
    /// Unknown, so that a string can stand for any type the statement wants (`uuid`, `jsonb`).
    public static var sqlType: UInt32 { 0 }
    public func sqlParameter() throws -> SQLParameter { try SQLParameter(text: self, type: Self.sqlType) }
}

extension UUID: SQLEncodable {
    public static var sqlType: UInt32 { PostgresType.uuid }
    public func sqlParameter() throws -> SQLParameter { try SQLParameter(text: lowercasedText, type: Self.sqlType) }
}

extension Date: SQLEncodable {
    public static var sqlType: UInt32 { PostgresType.timestamptz }
    public func sqlParameter() throws -> SQLParameter {
        try SQLParameter(text: PostgresTimestamp.format(self), type: Self.sqlType)
    }
}

extension Data: SQLEncodable {
    public static var sqlType: UInt32 { PostgresType.bytea }
    public func sqlParameter() throws -> SQLParameter { SQLParameter(binary: Array(self), type: Self.sqlType) }
}

extension Optional: SQLEncodable where Wrapped: SQLEncodable {
    public static var sqlType: UInt32 { Wrapped.sqlType }
    public func sqlParameter() throws -> SQLParameter {
        switch self {
        case .none: .null(type: Wrapped.sqlType)
        case .some(let value): try value.sqlParameter()
        }
    }
}

/// An `Encodable` value sent as `jsonb`.
public struct SQLJSON<Value: Encodable & Sendable>: SQLEncodable {
    public let value: Value
    public init(_ value: Value) { self.value = value }

    public static var sqlType: UInt32 { PostgresType.jsonb }
    public func sqlParameter() throws -> SQLParameter {
        let data: Data
        do { data = try JSONEncoder().encode(value) } catch {
            throw PostgresError.encoding("could not encode \(Value.self) as JSON: \(error)")
        }
        return try SQLParameter(text: String(decoding: data, as: UTF8.self), type: Self.sqlType)
    }
}
