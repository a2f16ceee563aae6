import Hummingbird
import Logging

/// Serves `/metrics` alone on `host:port`, as `baton cluster --metrics-port` does, until cancelled.
public struct MetricsServer: Sendable {
    public let endpoint: MetricsEndpoint
    public let host: String
    public let port: Int

    public init(endpoint: MetricsEndpoint, host: String = "127.0.0.1", port: Int) {
        (self.endpoint, self.host, self.port) = (endpoint, host, port)
    }

    /// Listens and answers until cancelled.
    /// - Parameter listening: called with the port it listens on (the one chosen for port 0).
    /// - Throws: when it cannot listen (the port is taken, the host is not this machine's).
    public func run(logger: Logger, listening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        let router = Router()
        endpoint.addRoutes(to: router)
        try await serve(router, host: host, port: port, logger: logger, listening: listening)
    }
}
