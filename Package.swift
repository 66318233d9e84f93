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
        // Already in the graph through postgres-nio: SHA-256 for the audit chain.
        .package(url: "https://github.com/apple/swift-crypto.git", "3.9.0"..<"6.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // Pure margin engine: book model, codec, the three models, health. No I/O.
        .target(name: "MarginCore"),
        // Output: checked writes to stdout and files, `--out` files replaced atomically or written straight.
        .target(name: "MarginOutput"),
        // The live book: ticks and account changes in, incremental recompute, states with hysteresis.
        .target(name: "MarginLive", dependencies: ["MarginCore", "CGlibcExtras"]),
        // Price feeds: simulated, replay/record, NDJSON, Binance/Deribit/Coinbase websockets.
        .target(
            name: "MarginFeeds",
            dependencies: [
                "MarginCore", "MarginOutput",
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
                "MarginFeeds", "MarginCore",
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
                // The SQLite C API under GRDB: the import and the load bind and read columns directly.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // `import`, `export`, `review ...` subcommands.
        .target(
            name: "StoreCommands",
            dependencies: [
                "MarginStore", "MarginCore", "MarginOutput",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Cells, roles, keys, themes, the TerminalBackend protocol and an in-memory terminal. No ncurses.
        .target(name: "TerminalCore", dependencies: ["MarginCore"], resources: [.copy("Themes")]),
        // The terminal: CNCurses (system library) under NCursesBackend, the only module that imports it.
        .systemLibrary(name: "CNCurses", pkgConfig: "ncursesw", providers: [.apt(["libncurses-dev"])]),
        .target(name: "NCursesBackend", dependencies: ["CNCurses", "TerminalCore"]),
        // glibc extensions Swift's Glibc lacks: mallopt (MallocTuning), thread names (the analysis threads).
        .systemLibrary(name: "CGlibcExtras"),
        // State, actions, reduce, views -> CellBuffer, key map. No ncurses.
        .target(name: "MarginTUI", dependencies: ["TerminalCore", "MarginCore", "MarginLive"]),
        // The app loop: published snapshots, a ReviewService and a TerminalBackend in, timed by a MarginClock.
        .target(name: "MarginDashboard", dependencies: ["TerminalCore", "MarginTUI", "MarginCore", "MarginLive"]),
        .target(
            name: "MarginTUITestSupport", dependencies: ["MarginTUI", "MarginCore", "MarginLive"],
            path: "Tests/MarginTUITestSupport"),
        // The store's own small CLI: the store tests run it as a child process (crash test, other-process writes).
        .executableTarget(
            name: "margintop-store",
            dependencies: [
                "StoreCommands", "MarginStore", "MarginCore", "MarginOutput",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .target(name: "StoreTestSupport", dependencies: ["MarginStore"], path: "Tests/StoreTestSupport"),
        // The seeded mutator and failure log of the decoders' fuzz tests.
        .target(name: "FuzzTestSupport", dependencies: ["MarginCore"], path: "Tests/FuzzTestSupport"),
        // offThread: blocking and CPU-bound test work off Swift's 2-thread pool, for every test target.
        .target(name: "ThreadTestSupport", path: "Tests/ThreadTestSupport"),
        // `--metrics HOST:PORT`: the live figures as Prometheus metrics, served over HTTP on an event loop of its own.
        .target(
            name: "MarginMetrics",
            dependencies: [
                "MarginCore", "MarginLive",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The live loop (feed -> engine, stepper, snapshot publisher, store follower) and what runs on it:
        // the headless watcher, the live and kernel benches, the store-backed review service, the log file,
        // the dashboard's launch (settings from the command line and the config file, the terminal, the exit).
        .target(
            name: "MarginRuntime",
            dependencies: [
                "MarginCore", "MarginLive", "MarginFeeds", "MarginStore", "MarginTUI", "MarginOutput",
                "MarginDashboard", "NCursesBackend", "TerminalCore", "MarginMetrics", "CGlibcExtras",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "margintop",
            dependencies: [
                "MarginCore", "MarginLive", "MarginFeeds", "MarginStore", "StoreCommands", "MarginDashboard",
                "MarginTUI",
                "MarginRuntime", "NCursesBackend", "MarginOutput", "MarginMetrics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "MarginCoreTests", dependencies: ["MarginCore", "FuzzTestSupport", "ThreadTestSupport"]),
        .testTarget(name: "MarginLiveTests", dependencies: ["MarginLive", "MarginCore", "ThreadTestSupport"]),
        .testTarget(
            name: "MarginStoreTests",
            dependencies: [
                "MarginStore", "StoreCommands", "StoreTestSupport", "margintop-store", "MarginCore",
                "ThreadTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]),
        .testTarget(name: "MarginTUITests", dependencies: ["MarginTUI", "MarginTUITestSupport"], exclude: ["Goldens"]),
        .testTarget(
            name: "MarginDashboardTests",
            dependencies: [
                "MarginDashboard", "MarginTUI", "TerminalCore", "MarginTUITestSupport", "MarginCore", "MarginLive",
                "MarginRuntime", "MarginFeeds",
            ]),
        .testTarget(
            name: "MarginTUIEndToEndTests",
            dependencies: ["margintop", "StoreTestSupport", "MarginCore", "ThreadTestSupport"]),
        .testTarget(
            name: "MarginFeedsTests",
            dependencies: ["MarginFeeds", "MarginFeedsTestSupport", "MarginCore", "FuzzTestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "MargintopCLITests",
            dependencies: ["margintop", "StoreTestSupport", "MarginCore", "ThreadTestSupport"]),
        .testTarget(
            name: "MarginMetricsTests",
            dependencies: [
                "MarginMetrics", "MarginLive", "MarginCore", "StoreTestSupport", "ThreadTestSupport",
            ]),
        .testTarget(
            name: "MarginRuntimeTests",
            dependencies: [
                "MarginRuntime", "MarginFeeds", "MarginLive", "MarginStore", "MarginCore", "MarginMetrics",
                "CGlibcExtras",
            ]),
    ],
    swiftLanguageModes: [.v6]
)
