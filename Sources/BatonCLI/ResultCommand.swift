import ArgumentParser
import Baton
import Foundation

struct ResultCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "result",
        abstract: "Print a task's result, or a group's or chain's results.",
        discussion: """
            A group's results include its failures' error texts (django-q's result_group leaves \
            them out by default). For a chain, --wait waits until every link has finished unless \
            --count says otherwise; when the wait runs out, the results so far are printed. Exits 1 \
            when there is no result (yet), or, without --wait, when the group has fewer than --count.
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Argument(help: "A task id or name, or a group or chain id.")
    var id: String

    @Option(help: "Milliseconds to wait for it (-1: for ever).")
    var wait = 0

    @Option(help: "For a group: wait until it has this many results (a chain: its length).")
    var count: Int?

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let wait = Wait(integerLiteral: wait)
        let value: JSONValue? = try await database.withBroker { broker in
            if try await broker.groupExists(id) {
                let chainLength = try await broker.chainLength(id)
                let count = count ?? chainLength
                // --wait 0 does not wait, also with a count (django-q's wait=0 would wait for ever).
                if wait.isNone, let count, try await broker.countGroup(id) < count { return nil }
                return try await broker.resultGroup(id, failures: true, wait: wait, count: count).map(JSONValue.array)
            }
            // A task id, or the name a task was given (the latest task of that name).
            return try await broker.result(id, wait: wait)
        }
        guard let value else {
            FileHandle.standardError.write(Data("no result for \(id) (yet)\n".utf8))
            throw ExitCode(1)
        }
        try show(value, json: json)
    }
}
