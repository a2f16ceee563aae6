import Foundation
import PackagePlugin

/// Embeds the SQL of `migrations/` in the target it is applied to, at build time: the
/// numbered migrations and the files of `functions/`, `views/` and `triggers/`, so that
/// the `baton` binary carries its schema and a worker container needs nothing beside it.
/// Nothing generated is checked in; a plain `swift build` embeds the files as they are.
@main
struct EmbedSQL: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let folder = context.package.directoryURL.appending(path: "migrations")
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedSQL.swift")
        return [
            .buildCommand(
                displayName: "Embedding the SQL of migrations/",
                executable: try context.tool(named: "embed-sql").url,
                arguments: [folder.path(percentEncoded: false), output.path(percentEncoded: false)],
                inputFiles: sqlFiles(in: folder),
                outputFiles: [output])
        ]
    }

    /// Every `.sql` file under `folder`, and the folders themselves (so that a file added or
    /// removed runs the command again).
    private func sqlFiles(in folder: URL) -> [URL] {
        let folders = [folder] + ["functions", "views", "triggers"].map { folder.appending(path: $0) }
        return folders.flatMap { folder -> [URL] in
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path(percentEncoded: false))) ?? []
            return [folder] + names.filter { $0.hasSuffix(".sql") }.sorted().map { folder.appending(path: $0) }
        }
    }
}
