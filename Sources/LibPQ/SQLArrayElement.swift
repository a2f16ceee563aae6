import Foundation

/// An element type of the arrays LibPQ sends and reads: `text[]`, `integer[]`, `bigint[]`, `uuid[]`.
public protocol SQLArrayElement: SQLEncodable, SQLDecodable {
    /// The array type a Swift array of this element is sent as.
    static var sqlArrayType: UInt32 { get }
    /// The array types a Swift array of this element may be read from.
    static var readableArrayTypes: Set<UInt32> { get }
}

extension String: SQLArrayElement {
    public static var sqlArrayType: UInt32 { PostgresType.textArray }
    public static var readableArrayTypes: Set<UInt32> { [PostgresType.textArray, PostgresType.varcharArray] }
}

extension Int: SQLArrayElement {
    public static var sqlArrayType: UInt32 { PostgresType.int8Array }
    public static var readableArrayTypes: Set<UInt32> {
        [PostgresType.int2Array, PostgresType.int4Array, PostgresType.int8Array]
    }
}

extension Int64: SQLArrayElement {
    public static var sqlArrayType: UInt32 { PostgresType.int8Array }
    public static var readableArrayTypes: Set<UInt32> { Int.readableArrayTypes }
}

extension Int32: SQLArrayElement {
    public static var sqlArrayType: UInt32 { PostgresType.int4Array }
    public static var readableArrayTypes: Set<UInt32> { [PostgresType.int2Array, PostgresType.int4Array] }
}

extension UUID: SQLArrayElement {
    public static var sqlArrayType: UInt32 { PostgresType.uuidArray }
    public static var readableArrayTypes: Set<UInt32> { [PostgresType.uuidArray] }
}

extension Array: SQLEncodable where Element: SQLArrayElement {
    public static var sqlType: UInt32 { Element.sqlArrayType }
    public func sqlParameter() throws -> SQLParameter {
        let texts = try map { element in
            guard let text = try element.sqlParameter().text else {
                throw PostgresError.encoding("an array element of \(Element.self) has no text form")
            }
            return text
        }
        return try SQLParameter(text: PostgresArray.format(texts), type: Element.sqlArrayType)
    }
}

extension Array: SQLDecodable where Element: SQLArrayElement {
    public static func decode(from cell: SQLCell) throws -> [Element] {
        try cell.require(Element.readableArrayTypes, for: [Element].self)
        guard let elements = PostgresArray.parse(try cell.requireText()) else {
            throw cell.invalid([Element].self)
        }
        let elementType = PostgresType.elementOfArray[cell.type] ?? 0
        return try elements.map { text in
            try Element.decode(from: SQLCell(column: cell.column, type: elementType, text: text))
        }
    }
}
