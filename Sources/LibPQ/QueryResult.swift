import CLibPQ
import Foundation

/// The rows of one statement, read in place from libpq's `PGresult` (freed exactly once
/// in `deinit`). Safe to read from any thread: libpq does not change a result once made.
public final class QueryResult: @unchecked Sendable, RandomAccessCollection {
    let pointer: OpaquePointer?
    /// The column names, in order.
    public let columns: [String]
    private let columnIndexes: [String: Int]

    init(_ pointer: OpaquePointer?) {
        self.pointer = pointer
        let count = pointer.map { Int(PQnfields($0)) } ?? 0
        // A COPY result counts its columns but names none.
        columns = (0..<count).map { PQfname(pointer, Int32($0)).map { String(cString: $0) } ?? "" }
        var indexes: [String: Int] = [:]
        for (index, name) in columns.enumerated() where indexes[name] == nil { indexes[name] = index }
        columnIndexes = indexes
    }

    deinit {
        if let pointer { PQclear(pointer) }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { pointer.map { Int(PQntuples($0)) } ?? 0 }
    public subscript(position: Int) -> Row { Row(result: self, index: position) }

    /// Rows inserted, updated, deleted, selected, ... as the command tag says; 0 when it says nothing.
    public var affectedRows: Int {
        guard let pointer, let tuples = PQcmdTuples(pointer) else { return 0 }
        return Int(String(cString: tuples)) ?? 0
    }

    func columnIndex(_ name: String) throws -> Int {
        guard let index = columnIndexes[name] else {
            throw PostgresError.decoding(
                "the result has no such column (columns: \(columns.joined(separator: ", ")))", column: name)
        }
        return index
    }

    func cell(row: Int, column: Int) -> SQLCell {
        let isNull = PQgetisnull(pointer, Int32(row), Int32(column)) == 1
        return SQLCell(
            column: columns[column],
            type: PQftype(pointer, Int32(column)),
            text: isNull ? nil : String(cString: PQgetvalue(pointer, Int32(row), Int32(column)))
        )
    }
}

/// One row of a `QueryResult`.
public struct Row: Sendable {
    public let result: QueryResult
    public let index: Int

    /// Reads a column as a Swift type: `let id: Int = try row.decode("id")`.
    /// - Throws: `.decoding` naming the column when it is missing, NULL (read it as an
    ///   optional), of another type, or not a valid value of the type.
    public func decode<T: SQLDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        try T.decode(from: result.cell(row: index, column: result.columnIndex(column)))
    }

    /// Reads the column at a position (from 0).
    public func decode<T: SQLDecodable>(_ column: Int, as type: T.Type = T.self) throws -> T {
        guard result.columns.indices.contains(column) else {
            throw PostgresError.decoding("the result has \(result.columns.count) columns", column: "#\(column)")
        }
        return try T.decode(from: result.cell(row: index, column: column))
    }

    /// Reads a `json` or `jsonb` column (or text holding JSON) as a `Decodable` value.
    public func decodeJSON<T: Decodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        let cell = result.cell(row: index, column: try result.columnIndex(column))
        try cell.require(String.textTypes, for: T.self)
        do {
            return try JSONDecoder().decode(T.self, from: Data(try cell.requireText().utf8))
        } catch let error as PostgresError {
            throw error
        } catch {
            throw PostgresError.decoding("the JSON does not decode as \(T.self): \(error)", column: column)
        }
    }
}
