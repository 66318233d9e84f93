// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "margintop",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "margintop", targets: ["margintop"]),
        .library(name: "MarginCore", targets: ["MarginCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/swift-websocket", from: "1.6.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // Pure margin engine: book model, codec, the three models, health. No I/O.
        .target(name: "MarginCore"),
        // The live book: ticks and account changes in, incremental recompute, states with hysteresis.
        .target(name: "MarginLive", dependencies: ["MarginCore"]),
        // Price feeds: simulated, replay/record, NDJSON, Binance/Deribit/Coinbase websockets.
        .target(
            name: "MarginFeeds",
            dependencies: [
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // A real websocket server on 127.0.0.1 and stream probes, for the feed tests.
        .target(
            name: "MarginFeedsTestSupport",
            dependencies: [
                "MarginFeeds",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Account store: SQLite (GRDB) and PostgreSQL (postgres-nio); reviews and the audit log.
        .target(
            name: "MarginStore",
            dependencies: [
                "MarginCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // `import`, `export`, `review ...` subcommands.
        .target(
            name: "StoreCommands",
            dependencies: [
                "MarginStore", "MarginCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The terminal: CNCurses (system library) under TerminalBackend, the only module that imports it.
        .systemLibrary(name: "CNCurses", pkgConfig: "ncursesw", providers: [.apt(["libncurses-dev"])]),
        .target(name: "TerminalBackend", dependencies: ["CNCurses", "MarginTUI"]),
        // State, actions, reduce, views -> CellBuffer, themes, key map. No ncurses.
        .target(name: "MarginTUI", dependencies: ["MarginCore", "MarginLive"], resources: [.copy("Themes")]),
        // The app loop: a LiveEngine fed by PriceUpdate batches, a ReviewService, the terminal.
        .target(name: "MarginDashboard", dependencies: ["TerminalBackend", "MarginTUI", "MarginCore", "MarginLive"]),
        .target(name: "MarginTUITestSupport", dependencies: ["MarginTUI", "MarginCore", "MarginLive"],
                path: "Tests/MarginTUITestSupport"),
        // The store's own small CLI: the store tests run it as a child process (crash test, other-process writes).
        .executableTarget(name: "margintop-store", dependencies: ["StoreCommands", "MarginStore", "MarginCore",
            .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .target(name: "StoreTestSupport", dependencies: ["MarginStore"], path: "Tests/StoreTestSupport"),
        .executableTarget(
            name: "margintop",
            dependencies: [
                "MarginCore", "MarginLive", "MarginFeeds", "MarginStore", "StoreCommands", "MarginDashboard", "MarginTUI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "MarginCoreTests", dependencies: ["MarginCore"]),
        .testTarget(name: "MarginLiveTests", dependencies: ["MarginLive", "MarginCore"]),
        .testTarget(name: "MarginStoreTests", dependencies: [
            "MarginStore", "StoreCommands", "StoreTestSupport", "margintop-store", "MarginCore",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
        ]),
        .testTarget(name: "MarginTUITests", dependencies: ["MarginTUI", "MarginTUITestSupport"], exclude: ["Goldens"]),
        .testTarget(name: "MarginTUIEndToEndTests", dependencies: ["margintop", "StoreTestSupport"]),
        .testTarget(name: "MarginFeedsTests", dependencies: ["MarginFeeds", "MarginFeedsTestSupport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "MargintopCLITests", dependencies: ["margintop"]),
    ],
    swiftLanguageModes: [.v6]
)
