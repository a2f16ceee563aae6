/// Rows for `COPY ... FROM STDIN`, encoded in PostgreSQL's text format as they are added.
///
/// ```swift
/// var rows = CopyRows()
/// rows.append(["mail.send", #"["ada@example.com"]"#, nil])
/// try await connection.copy("COPY outbox (func, args, note) FROM STDIN", rows)
/// ```
public struct CopyRows: Sendable {
    /// How many rows were added.
    public private(set) var count = 0
    private(set) var bytes: [UInt8] = []

    public init() {}

    /// Adds a row: one text value per column, nil for NULL.
    public mutating func append(_ fields: [String?]) {
        for (index, field) in fields.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: "\t")) }
            guard let field else {
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
                continue
            }
            for byte in field.utf8 {
                switch byte {
                case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                default: bytes.append(byte)
                }
            }
        }
        bytes.append(UInt8(ascii: "\n"))
        count += 1
    }
}
