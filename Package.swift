// swift-tools-version:6.0
import PackageDescription

// Baton runs on Linux: the libpq shim waits on an eventfd (Sources/CLibPQ/shim.h).

let package = Package(
    name: "Baton",
    products: [
        .library(name: "LibPQ", targets: ["LibPQ"]),
        .library(name: "Baton", targets: ["Baton"]),
        .library(name: "BatonCluster", targets: ["BatonCluster"]),
        .library(name: "BatonDashboard", targets: ["BatonDashboard"]),
        .executable(name: "baton", targets: ["baton"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .target(name: "LibPQ", dependencies: ["CLibPQ"]),
        .target(
            name: "Baton",
            dependencies: [
                "LibPQ", .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            plugins: ["EmbedSQL"]
        ),
        // Embeds migrations/ in Baton at build time (no generated copy is checked in).
        .plugin(name: "EmbedSQL", capability: .buildTool(), dependencies: ["embed-sql"]),
        .executableTarget(name: "embed-sql", path: "Plugins/EmbedSQLTool"),
        .target(
            name: "BatonCluster",
            dependencies: [
                "Baton",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The dashboard's pages and /metrics, served by Hummingbird or mounted in a user's app;
        // its templates and static files are compiled into the binary.
        .target(
            name: "BatonDashboard",
            dependencies: [
                "Baton",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            resources: [.embedInCode("Templates"), .embedInCode("Static")]
        ),
        .executableTarget(
            name: "baton",
            dependencies: [
                "BatonCluster",
                "BatonDashboard",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/BatonCLI"
        ),
        .executableTarget(name: "seed-chain", dependencies: ["Baton"], path: "Examples/SeedChain"),
        .executableTarget(
            name: "custom-worker",
            dependencies: [
                "BatonCluster",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Examples/CustomWorker"
        ),
        .executableTarget(name: "baton-test-worker", dependencies: ["BatonCluster", "TestSupport"], path: "Tests/TestWorker"),
        .executableTarget(name: "baton-chaos", dependencies: ["Baton", "TestSupport"], path: "Tests/Chaos"),
        .target(name: "TestSupport", dependencies: ["Baton"], path: "Tests/TestSupport"),
        .testTarget(name: "LibPQTests", dependencies: ["LibPQ", "TestSupport"]),
        .testTarget(name: "BatonTests", dependencies: ["Baton", "TestSupport"]),
        .testTarget(
            name: "BatonClusterTests",
            dependencies: [
                "BatonCluster", "TestSupport", .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ]
        ),
        .testTarget(name: "BatonCLITests", dependencies: ["baton", "Baton", "TestSupport"]),
        .testTarget(
            name: "BatonDashboardTests",
            dependencies: [
                "BatonDashboard", "BatonCluster", "TestSupport",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .testTarget(name: "BatonFaultTests", dependencies: ["baton-test-worker", "Baton", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
