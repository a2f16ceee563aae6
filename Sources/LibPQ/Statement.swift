/// What a job sends to the server.
enum Statement: Sendable {
    /// One statement with `$n` parameters (extended protocol).
    case text(String, [SQLParameter])
    /// A named statement, prepared on first use on each connection.
    case prepared(PreparedStatement, [SQLParameter])
    /// Several statements separated by semicolons, without parameters (simple protocol).
    case script(String)

    /// The SQL text or statement name, for error messages.
    var label: String {
        switch self {
        case .text(let sql, _), .script(let sql): sql
        case .prepared(let statement, _): "prepared statement \(statement.name)"
        }
    }
}

/// A statement prepared once per connection and then run by name.
///
/// Give each distinct SQL text its own name; the same name with other SQL is an error.
public struct PreparedStatement: Sendable, Hashable {
    public let name: String
    public let sql: String

    public init(name: String, sql: String) {
        self.name = name
        self.sql = sql
    }
}
