import CLibPQ
import Foundation

/// Where and how to connect: a URL, a `key=value` conninfo string, or libpq's `PG*` variables.
///
/// The configuration is checked when it is made, so a malformed URL fails early with a
/// clear error. Its description never shows the password.
public struct ConnectionConfiguration: Sendable, CustomStringConvertible {
    /// The URL or conninfo string as given; empty means libpq's `PG*` environment variables.
    public let conninfo: String
    let options: [String: String]
    /// Settings that override the URL's, in order (libpq reads a later `dbname` plainly).
    var overrides: [(key: String, value: String)] = []
    /// Whether named statements are prepared once per connection. Off behind a pooler in
    /// transaction mode (PgBouncer before 1.21), which hands each transaction another server
    /// connection: every statement is then sent with its text.
    public var preparedStatements = true

    /// Reads a URL (`postgres://user:pass@host:port/db?sslmode=...`) or a conninfo string
    /// (`host=... dbname=...`).
    /// - Throws: `PostgresError` with code `.invalidConfiguration`, without the password.
    public init(_ conninfo: String) throws {
        self.conninfo = conninfo
        self.options = try Self.parse(conninfo)
    }

    /// libpq's own defaults and `PG*` variables (`PGHOST`, `PGPORT`, `PGUSER`, ...).
    public static let environment = ConnectionConfiguration(checked: "", options: [:])

    private init(checked conninfo: String, options: [String: String]) {
        self.conninfo = conninfo
        self.options = options
    }

    /// The same server and credentials, another database.
    public func with(database: String) -> ConnectionConfiguration {
        var copy = self
        copy.overrides.append((key: "dbname", value: database))
        return copy
    }

    /// The same server and database as another user (with the same password, if any).
    public func with(user: String) -> ConnectionConfiguration {
        var copy = self
        copy.overrides.append((key: "user", value: user))
        return copy
    }

    /// The same, with `application_name` set: it names the connections in `pg_stat_activity`.
    public func with(applicationName: String) -> ConnectionConfiguration {
        var copy = self
        copy.overrides.append((key: "application_name", value: applicationName))
        return copy
    }

    /// The target as a URL without the password: `postgres://user@host:port/db`.
    public var description: String {
        if conninfo.isEmpty && overrides.isEmpty { return "the database named by PG* variables" }
        let user = (overrides.last { $0.key == "user" }?.value ?? options["user"]).map { "\($0)@" } ?? ""
        let host = options["host"] ?? options["hostaddr"] ?? "localhost"
        let port = options["port"].map { ":\($0)" } ?? ""
        let dbname = overrides.last { $0.key == "dbname" }?.value ?? options["dbname"]
        let database = dbname.map { "/\($0)" } ?? ""
        return "postgres://\(user)\(host)\(port)\(database)"
    }

    /// The whole configuration as one `key='value'` conninfo string, password included, to
    /// hand to a child process (libpq's `PG*` variables fill in what it leaves out). Never log it.
    public var conninfoForChildProcess: String {
        var settings = options
        for (key, value) in overrides { settings[key] = value }
        return settings.sorted { $0.key < $1.key }.map { key, value in
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
            return "\(key)='\(escaped)'"
        }.joined(separator: " ")
    }

    /// Removes the password from a message that libpq or the server wrote.
    func redact(_ message: String) -> String {
        guard let password = options["password"], !password.isEmpty else { return message }
        return message.replacingOccurrences(of: password, with: "********")
    }

    private static func parse(_ conninfo: String) throws -> [String: String] {
        if conninfo.isEmpty { return [:] }
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let parsed = PQconninfoParse(conninfo, &errorMessage) else {
            var message = "invalid database URL or connection string"
            if let errorMessage {
                message += ": " + String(cString: errorMessage).trimmed
                PQfreemem(errorMessage)
            }
            let draft = ConnectionConfiguration(checked: conninfo, options: roughPassword(conninfo))
            throw PostgresError(code: .invalidConfiguration, message: draft.redact(message))
        }
        defer { PQconninfoFree(parsed) }
        var options: [String: String] = [:]
        var option = parsed
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { options[String(cString: keyword)] = String(cString: value) }
            option += 1
        }
        // libpq checks the port only when it connects; say so at once instead.
        if let port = options["port"], !port.split(separator: ",").allSatisfy({ UInt16($0) != nil }) {
            throw PostgresError(
                code: .invalidConfiguration,
                message: "invalid port \"\(port)\" in the database URL or connection string")
        }
        return options
    }

    /// The password of a URL libpq could not parse, so that it can still be redacted.
    private static func roughPassword(_ conninfo: String) -> [String: String] {
        guard let scheme = conninfo.range(of: "://"),
              let at = conninfo[scheme.upperBound...].lastIndex(of: "@"),
              let colon = conninfo[scheme.upperBound..<at].firstIndex(of: ":")
        else { return [:] }
        return ["password": String(conninfo[conninfo.index(after: colon)..<at])]
    }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
