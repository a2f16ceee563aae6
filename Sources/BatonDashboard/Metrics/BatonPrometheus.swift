import CoreMetrics
import Prometheus

/// swift-metrics exported to Prometheus, with the buckets Baton's histograms need.
public enum BatonPrometheus {
    /// Run times and waits from a millisecond to an hour.
    public static let durationBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
        .seconds(10), .seconds(30), .seconds(60), .seconds(300), .seconds(900), .seconds(3600),
    ]
    /// Claims and completions: a fraction of a millisecond to a few seconds.
    public static let statementBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .seconds(5),
    ]
    /// Tasks in a claim or a completion batch.
    public static let batchBuckets: [Double] = [1, 2, 5, 10, 20, 40, 80, 128, 256, 512]

    /// A factory for `registry` with Baton's buckets.
    public static func factory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = durationBuckets
        factory.durationHistogramBuckets = ["baton_claim_seconds": statementBuckets, "baton_complete_seconds": statementBuckets]
        factory.valueHistogramBuckets = ["baton_claim_batch_size": batchBuckets, "baton_complete_batch_size": batchBuckets]
        return factory
    }

    /// Makes Prometheus the process's metrics backend (once per process, before the first
    /// metric is made) and returns its registry.
    public static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(factory(registry: registry))
        return registry
    }
}
