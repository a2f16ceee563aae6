// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Baton",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "LibPQ", targets: ["LibPQ"]),
        .library(name: "Baton", targets: ["Baton"]),
        .library(name: "BatonCluster", targets: ["BatonCluster"]),
        .executable(name: "baton", targets: ["baton"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .target(name: "LibPQ", dependencies: ["CLibPQ"]),
        .target(name: "Baton", dependencies: ["LibPQ"]),
        .target(name: "BatonCluster", dependencies: ["Baton"]),
        .executableTarget(
            name: "baton",
            dependencies: [
                "BatonCluster",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "TestSupport", dependencies: ["LibPQ"], path: "Tests/TestSupport"),
        .testTarget(name: "LibPQTests", dependencies: ["LibPQ", "TestSupport"]),
        .testTarget(name: "BatonTests", dependencies: ["Baton", "TestSupport"]),
        .testTarget(name: "BatonCLITests", dependencies: ["baton", "Baton", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
