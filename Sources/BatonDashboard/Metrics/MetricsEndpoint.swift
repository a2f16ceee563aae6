import Baton
import Hummingbird
import Prometheus

/// `/metrics` in Prometheus's text format: this process's own figures (swift-metrics, through
/// `registry`) and the whole queue's from the database (`ClusterWideMetrics`). Mount it in a
/// Hummingbird app of your own with `addRoutes(to:)`, or let `baton cluster --metrics-port`
/// and `baton dashboard` serve it.
public struct MetricsEndpoint: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let clusterWide: ClusterWideMetrics

    /// - Parameters:
    ///   - registry: where this process's swift-metrics go (`BatonPrometheus.bootstrap()`'s).
    ///   - clusterWideEvery: how often the database is read for the queue's figures at most
    ///     (Prometheus scrapes every 15 s by default); scrapes in between get the last reading.
    public init(broker: Broker, registry: PrometheusCollectorRegistry, clusterWideEvery: Duration = .seconds(15)) {
        self.registry = registry
        clusterWide = ClusterWideMetrics(broker: broker, interval: clusterWideEvery)
    }

    /// Everything, as a scrape gets it.
    public func text() async -> String {
        registry.emitToString() + (await clusterWide.text())
    }

    /// Adds `GET path` to `router`.
    public func addRoutes<Context: RequestContext>(to router: Router<Context>, path: RouterPath = "/metrics") {
        router.get(path) { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: await self.text())))
        }
    }
}
