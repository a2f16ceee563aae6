import Baton
import Hummingbird
import Logging
import Prometheus

/// Serves the dashboard, and `/metrics`, on `host:port` until cancelled, as `baton dashboard`
/// does. On loopback unless told otherwise; anywhere else only with a token (`TokenAuth`),
/// which then guards every page, the live events and /metrics alike.
public struct DashboardServer: Sendable {
    public let dashboard: Dashboard
    public let host: String
    public let port: Int
    public let token: String?
    public let metrics: MetricsEndpoint?

    /// - Throws: `BatonError.invalidArgument` for a host other than loopback with no token.
    public init(dashboard: Dashboard, host: String = "127.0.0.1", port: Int, token: String?, metrics: MetricsEndpoint?) throws {
        if token?.isEmpty ?? true, !Self.isLoopback(host) {
            throw BatonError(
                code: .invalidArgument,
                message: "the dashboard listens on \(host), beyond this machine, only with a token: set "
                    + "BATON_DASHBOARD_TOKEN (or --token), or listen on 127.0.0.1")
        }
        (self.dashboard, self.host, self.port, self.token, self.metrics) =
            (dashboard, host, port, token?.isEmpty == true ? nil : token, metrics)
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Listens and answers until cancelled.
    /// - Parameter listening: called with the port it listens on (the one chosen for port 0).
    public func run(logger: Logger, listening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        let router = Router()
        if let token { router.add(middleware: TokenAuth(token: token)) }
        dashboard.addRoutes(to: router)
        metrics?.addRoutes(to: router, path: RouterPath(dashboard.options.basePath + "/metrics"))
        try await serve(router, host: host, port: port, logger: logger, listening: listening)
    }
}
