import Foundation

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

extension JSONValue {
    /// Any `Encodable` value as JSON. Numbers and strings convert directly, so a `Double`
    /// stays a float (`-1.0`); other types go through `JSONEncoder`.
    public init(encoding value: some Encodable) throws {
        switch value {
        case let value as JSONValue: self = value
        case let value as Double: self = .double(value)
        case let value as Float: self = .double(Double(value))
        case let value as Int: self = .int(value)
        case let value as Bool: self = .bool(value)
        case let value as String: self = .string(value)
        case let values as [Double]: self = .array(values.map { .double($0) })
        default:
            let data: Data
            do { data = try JSONEncoder().encode(value) } catch {
                throw BatonError(code: .invalidArgument, message: "\(type(of: value)) does not encode as JSON: \(error)")
            }
            self = try JSONValue.parse(String(decoding: data, as: UTF8.self))
        }
    }

    /// The value as a `Decodable` type; an integer reads as a `Double` too.
    public func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        if let value = self as? T { return value }
        if case .int(let number) = self, let value = Double(number) as? T { return value }
        return try JSONDecoder().decode(T.self, from: Data(try jsonText().utf8))
    }

    /// The kind of value, for error messages: `a string`, `an integer`.
    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int: "an integer"
        case .double: "a float"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
