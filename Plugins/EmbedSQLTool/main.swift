import Foundation

// embed-sql MIGRATIONS OUTPUT: writes OUTPUT, a Swift file defining `Migration.embedded` (the
// numbered files of MIGRATIONS, in order) and `SchemaObject.embedded` (the files of its
// functions/, views/ and triggers/, in the order the migrator applies them). Run by the
// EmbedSQL build plugin.

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: embed-sql MIGRATIONS OUTPUT\n".utf8))
    exit(2)
}
let root = URL(fileURLWithPath: arguments[1], isDirectory: true)

/// The `.sql` files of `folder`, by name.
func sqlFiles(_ folder: URL) throws -> [String] {
    guard FileManager.default.fileExists(atPath: folder.path) else { return [] }
    return try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
}

/// `text` as a raw string literal whose delimiter occurs nowhere in it.
func literal(_ text: String) -> String {
    var hashes = "#"
    while text.contains("\"\"\"" + hashes) || text.contains("\\" + hashes) { hashes += "#" }
    // A multi-line literal drops the line break before its closing delimiter.
    return "\(hashes)\"\"\"\n\(text)\n\"\"\"\(hashes)"
}

do {
    var swift = "// Generated at build time by the EmbedSQL plugin from migrations/. Not checked in.\n\n"
    swift += "extension Migration {\n    /// Every numbered migration of migrations/, in order.\n"
    swift += "    public static let embedded: [Migration] = [\n"
    for name in try sqlFiles(root) {
        let sql = try String(contentsOf: root.appending(path: name), encoding: .utf8)
        swift += "        Migration(fileName: \"\(name)\", sql: \(literal(sql))),\n"
    }
    swift += "    ]\n}\n\nextension SchemaObject {\n"
    swift += "    /// Every file of migrations/functions/, views/ and triggers/, in the order they are applied.\n"
    swift += "    public static let embedded: [SchemaObject] = [\n"
    for folder in SchemaFolders.order {
        for name in try sqlFiles(root.appending(path: folder)) {
            let sql = try String(contentsOf: root.appending(path: folder).appending(path: name), encoding: .utf8)
            swift += "        SchemaObject(path: \"\(folder)/\(name)\", sql: \(literal(sql))),\n"
        }
    }
    swift += "    ]\n}\n"
    try Data(swift.utf8).write(to: URL(fileURLWithPath: arguments[2]), options: .atomic)
} catch {
    FileHandle.standardError.write(Data("embed-sql: \(error)\n".utf8))
    exit(1)
}

/// The folders of current definitions: functions first (views and triggers call them).
enum SchemaFolders {
    static let order = ["functions", "views", "triggers"]
}
