/// One numbered SQL file of `migrations/`, as the binary embeds it (the EmbedSQL build plugin).
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
        Self.location(in: fileName, sql, of: position)
    }

    static func location(in file: String, _ sql: String, of position: Int?) -> String {
        guard let position, position > 0 else { return file }
        let line = sql.prefix(position).reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
        return "\(file) line \(line)"
    }

    /// The SHA-256 (hex) each numbered file had before 0019 took its functions, views and
    /// triggers out into files of their own. A database migrated before then recorded
    /// these; they count as the file's and stay recorded, so that the earlier release's
    /// `baton health` and `baton migrate` still find their files unchanged.
    static let checksumsBefore0019: [Int: String] = [
        2: "9c9ced34be2aa3cb543593fe31993b2d4a8e1d1a3ffc189514a38370cf1a1bfe",
        3: "7025b81fb763eed000910db4c5f367996fa274e1ece4c23b2997e39302b84c4b",
        4: "f007f6e562f5f55a80a39ab814fcfc5460595f59eac009b8d68b906b6c72f4b9",
        6: "ec909a9af44730d51906c3887013d7d333bd661a0bb1640beeaa4e7567af6024",
        7: "c0756c203bf92c5aee56583c5c26a872684437de5deeeebdbfdcc513b4ca900b",
        8: "3f9d4059f2087b1a9f8433eb37d138392ea58c3be94da96af0208ca0a88ed325",
        9: "65b4dea88b5a5b41bf81a7a3216617b1ce4b3437235db8c495994d3f7e401e22",
        10: "6ba9d9227ab63a86f1b4e4834d4b32ef574357dea727917342354b645f26fa30",
        11: "fac231fdcf3e00bcf9b19377916f6306602f5e99717a815f87ca71c5839282be",
        13: "84cd3201fceb83c980c5a5f797cc80ee7233d2297b6a954bd71de7da5d77b073",
        14: "8ed4f8dcaab97974a7f1f72958c694d1abe2d7bb72dba67de8f9c2f0ed9383e4",
        15: "228bdd92f9dc7e1763219b0519031829ffbe2a8d05ef6ceb484f768f18cc25f8",
        16: "40269c17ac3fdd69b893d6bf6829670ae8a1cdc62c8fd7899875d6b71e27bc82",
        17: "dfabe7bb10d9dc7d8ea6214296547ee31a51790bbc23bc556cb0d18c8b825cec",
        18: "ad543ff62ce2798210e343c5f2184b2c642421bf5cf84c12d86466afd97f0c0d",
    ]
}

/// One file of `migrations/functions/`, `views/` or `triggers/`: the current definition of
/// one object, applied again whenever its text changes (after the numbered migrations).
public struct SchemaObject: Sendable, Hashable {
    /// Relative to `migrations/`: `functions/baton.complete_tasks.sql`.
    public let path: String
    public let sql: String

    public init(path: String, sql: String) {
        self.path = path
        self.sql = sql
    }

    /// `functions/baton.claim_tasks.sql line 12` for a character offset the server reported.
    func location(of position: Int?) -> String {
        Migration.location(in: path, sql, of: position)
    }
}
