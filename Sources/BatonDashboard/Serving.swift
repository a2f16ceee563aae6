import Hummingbird
import Logging

/// Runs `router` on `host:port` until cancelled, logging through `logger` but not a line per
/// request; calls `listening` with the port it listens on (the one chosen for port 0).
/// - Throws: when it cannot listen (the port is taken, the host is not this machine's).
func serve(
    _ router: Router<BasicRequestContext>, host: String, port: Int, logger: Logger,
    listening: @escaping @Sendable (Int) -> Void
) async throws {
    var serverLogger = logger
    serverLogger.logLevel = max(logger.logLevel, .notice)
    let app = Application(
        router: router, configuration: ApplicationConfiguration(address: .hostname(host, port: port)),
        onServerRunning: { channel in listening(channel.localAddress?.port ?? port) },
        logger: serverLogger)
    try await app.run()
}
