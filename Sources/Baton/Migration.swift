/// One numbered SQL file of `migrations/`, as the binary embeds it.
public struct Migration: Sendable, Hashable {
    /// The number the file name starts with: `0001_tables.sql` is version 1.
    public let version: Int
    /// The file name: `0001_tables.sql`.
    public let fileName: String
    public let sql: String

    public init(fileName: String, sql: String) {
        self.fileName = fileName
        self.sql = sql
        self.version = Int(fileName.prefix { $0.isNumber }) ?? 0
    }

    /// The part of the file name after the number: `queue`.
    public var name: String {
        String(fileName.drop { $0.isNumber }.dropFirst().prefix { $0 != "." })
    }

    /// `0002_functions.sql line 12` for a character offset (from 1) the server reported.
    func location(of position: Int?) -> String {
        guard let position, position > 0 else { return fileName }
        let line = sql.prefix(position).reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
        return "\(fileName) line \(line)"
    }
}
