import ArgumentParser
import Baton
import Foundation
import LibPQ

/// A database without Baton's schema (never migrated) is said as such, with the command to
/// run, and exits with its own status instead of PostgreSQL's `relation ... does not exist`.
enum MissingSchema {
    /// The exit status of a command run against a database that has no Baton schema.
    static let exitStatus: Int32 = 3

    /// Runs `body`; a missing schema becomes a message and exit status 3.
    static func check<R>(_ body: () async throws -> R) async throws -> R {
        do {
            return try await body()
        } catch let error as PostgresError where isMissingSchema(error) {
            FileHandle.standardError.write(Data("""
                baton: this database has no Baton schema (\(error.message)); run `baton migrate` first \
                (or start the cluster with `baton cluster --migrate`)

                """.utf8))
            throw ExitCode(exitStatus)
        }
    }

    /// Undefined table, schema or function in `baton`: the schema was never migrated.
    static func isMissingSchema(_ error: PostgresError) -> Bool {
        let missing = [.undefinedTable, .invalidSchemaName, .undefinedFunction].contains(error.code)
        return missing && error.message.contains("baton")
    }
}
