import Baton
import LibPQ

/// A template database with Baton's schema, named after a checksum of the SQL this build
/// embeds (`baton_template_<16 hex digits>`), made once by whichever test process needs it
/// first; the templates of other builds' SQL are dropped then.
actor MigratedTemplate {
    static let shared = MigratedTemplate()
    private var made: Task<String, Error>?

    /// The template's name, once it is ready to copy.
    func name() async throws -> String {
        if let made { return try await made.value }
        let making = Task { try await Self.make() }
        made = making
        return try await making.value
    }

    /// "batontpl" in ASCII: test processes that start together make the template once.
    private static let lockKey: Int64 = 0x6261_746F_6E74_706C

    private static func make() async throws -> String {
        let admin = try await TestDatabase.connect()
        do {
            let name = try await make(on: admin)
            await admin.close()
            return name
        } catch {
            await admin.close()
            throw error
        }
    }

    private static func make(on admin: Connection) async throws -> String {
        let files = Migration.embedded.map { "\($0.fileName)\n\($0.sql)" } + SchemaObject.embedded.map { "\($0.path)\n\($0.sql)" }
        let checksum = try await admin.query(
            "SELECT left(encode(sha256(convert_to($1, 'UTF8')), 'hex'), 16)", files.joined(separator: "\n"))[0]
            .decode(0, as: String.self)
        let name = "baton_template_\(checksum)"
        try await admin.execute("SELECT pg_advisory_lock($1)", lockKey)
        do {
            // A template is marked as one only once migrated: a half-made one is made again.
            let found = try await admin.query("SELECT datistemplate FROM pg_database WHERE datname = $1", name)
            if try found.first?.decode(0, as: Bool.self) != true {
                if !found.isEmpty { try await admin.execute(script: "DROP DATABASE \(name) WITH (FORCE)") }
                try await admin.execute(script: "CREATE DATABASE \(name)")
                let connection = try await Connection.connect(TestDatabase.configuration.with(database: name))
                try await Migrator().migrate(on: connection)
                await connection.close()
                try await admin.execute(script: "ALTER DATABASE \(name) IS_TEMPLATE true")
                let others = try await admin.query(
                    "SELECT datname FROM pg_database WHERE datname LIKE 'baton\\_template\\_%' AND datname <> $1", name)
                for other in try others.map({ try $0.decode(0, as: String.self) }) {
                    try await admin.execute(script: "ALTER DATABASE \(other) IS_TEMPLATE false")
                    try await admin.execute(script: "DROP DATABASE \(other) WITH (FORCE)")
                }
            }
            try await admin.execute("SELECT pg_advisory_unlock($1)", lockKey)
        } catch {
            _ = try? await admin.execute("SELECT pg_advisory_unlock($1)", lockKey)
            throw error
        }
        return name
    }
}
