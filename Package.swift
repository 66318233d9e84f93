// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "margintop",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "margintop", targets: ["margintop"]),
        .library(name: "MarginCore", targets: ["MarginCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // Pure margin engine: book model, codec, the three models, health. No I/O.
        .target(name: "MarginCore"),
        // The live book: ticks and account changes in, incremental recompute, states with hysteresis.
        .target(name: "MarginLive", dependencies: ["MarginCore"]),
        .executableTarget(
            name: "margintop",
            dependencies: [
                "MarginCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "MarginCoreTests", dependencies: ["MarginCore"]),
        .testTarget(name: "MarginLiveTests", dependencies: ["MarginLive", "MarginCore"]),
        .testTarget(name: "MargintopCLITests", dependencies: ["margintop"]),
    ],
    swiftLanguageModes: [.v6]
)
