import ArgumentParser
import Baton
import BatonCluster
import Foundation
import Synchronization

struct MonitorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "A live view of the queue in the terminal, as django-q's qmonitor: q quits.",
        discussion: """
            Clusters and their workers, queues with their counts and the last minute's rates, the tasks \
            running now and for how long, the latest failures; redrawn when the queue's notifications say \
            something happened, and every --interval seconds in any case. When standard output is not a \
            terminal it prints a plain snapshot every --interval seconds instead, until SIGTERM or SIGINT.
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Seconds between looks when nothing is heard (default: 2 on a terminal, 5 otherwise).")
    var interval: Double?

    func validate() throws {
        if let interval, interval <= 0 { throw ValidationError("--interval is a positive number of seconds, not \(interval)") }
    }

    func run() async throws {
        StopSignals.catchNow()
        let broker = Broker(configuration: try database.configuration(), maxConnections: 3)
        _ = try await MissingSchema.check { try await broker.queueSize() }
        let wake = Signal()
        let quit = Mutex(false)
        let stop: @Sendable () -> Void = {
            quit.withLock { $0 = true }
            wake.fire()
        }
        let stopping = Task {
            await StopSignals.first()
            stop()
        }
        defer { stopping.cancel() }
        if Terminal.isTerminal {
            let activity = try await broker.activity()
            defer { activity.cancel() }
            let relay = Task {
                while !Task.isCancelled { if await activity.signal.wait(until: nil) { wake.fire() } }
            }
            defer { relay.cancel() }
            let terminal = Terminal()
            terminal.enter()
            terminal.onQuitKey(stop)
            await draw(on: terminal, from: broker, wake: wake, every: .milliseconds(Int((interval ?? 2) * 1000))) {
                quit.withLock { $0 }
            }
            terminal.leave()
        } else {
            while !quit.withLock({ $0 }) {
                let screen = MonitorScreen(width: 160, height: 200)
                let text = await Self.lines(screen, from: broker, footer: "every \(interval ?? 5) s").joined(separator: "\n")
                FileHandle.standardOutput.write(Data((text + "\n\n").utf8))
                _ = await wake.wait(until: .now + .milliseconds(Int((interval ?? 5) * 1000)))
            }
        }
        await broker.close()
    }

    /// Redraws until `done()`: on news (at most four times a second) and every `every`.
    private func draw(
        on terminal: Terminal, from broker: Broker, wake: Signal, every: Duration, done: () -> Bool
    ) async {
        while !done() {
            let (width, height) = terminal.size
            terminal.draw(await Self.lines(MonitorScreen(width: width, height: height), from: broker, footer: "q quits"))
            _ = await wake.wait(until: .now + every)
            if !done() { try? await Task.sleep(for: .milliseconds(250)) }
        }
    }

    private static func lines(_ screen: MonitorScreen, from broker: Broker, footer: String) async -> [String] {
        do {
            return screen.lines(try await MonitorSnapshot.read(from: broker), footer: footer)
        } catch {
            return ["Baton monitor · \(footer)", "", "the database did not answer: \(error)", "trying again"]
        }
    }
}
