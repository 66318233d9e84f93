import Foundation
import Logging
import MarginCore
import NIOCore
import NIOPosix
import NIOSSL
import NIOWebSocket
import Synchronization
import WSClient

/// What makes one exchange's websocket different: what to send after connecting and how to
/// decode what arrives.
public struct ExchangeAdapter: Sendable {
    /// Feed name (`binance`, `deribit`, `coinbase`).
    public var name: String
    /// Sent, in order, after every (re)connect.
    public var subscribeMessages: [String]
    /// A fresh decoder per connection.
    public var makeDecoder: @Sendable () -> any MessageDecoder

    public init(name: String, subscribeMessages: [String], makeDecoder: @escaping @Sendable () -> any MessageDecoder) {
        self.name = name
        self.subscribeMessages = subscribeMessages
        self.makeDecoder = makeDecoder
    }

    /// Binance USD-M mark prices; the streams are chosen by the URL
    /// (`wss://fstream.binance.com/market/ws/!markPrice@arr@1s`), so nothing is sent.
    public static func binance() -> ExchangeAdapter {
        ExchangeAdapter(name: "binance", subscribeMessages: []) { BinanceDecoder() }
    }

    /// Deribit tickers and price indexes, with heartbeats answered.
    public static func deribit(
        instruments: [String] = ["BTC-PERPETUAL", "ETH-PERPETUAL"], indexes: [String] = ["btc_usd", "eth_usd"],
        heartbeatInterval: Int = 30
    ) -> ExchangeAdapter {
        ExchangeAdapter(
            name: "deribit",
            subscribeMessages: DeribitDecoder.subscribeMessages(
                instruments: instruments, indexes: indexes, heartbeatInterval: heartbeatInterval)
        ) { DeribitDecoder() }
    }

    /// Coinbase Advanced Trade tickers (spot → index) plus heartbeats.
    public static func coinbase(products: [String] = ["BTC-USD", "ETH-USD"]) -> ExchangeAdapter {
        ExchangeAdapter(name: "coinbase", subscribeMessages: CoinbaseDecoder.subscribeMessages(products: products)) {
            CoinbaseDecoder()
        }
    }
}

/// Connection settings for ``WebSocketFeed``.
public struct WebSocketFeedConfiguration: Sendable {
    public var url: String
    /// No message for this long (while connecting or connected) marks the feed down and reconnects;
    /// it also bounds the TCP connect and the websocket upgrade.
    public var watchdogTimeout: Duration = .seconds(10)
    public var backoff = Backoff()
    /// Largest accepted frame; Binance's all-symbols frame is over 100 KB, the library default 16 KiB.
    public var maxFrameSize = 4 << 20
    /// TLS for `wss://` (nil: system defaults).
    public var tlsConfiguration: TLSConfiguration?
    /// How long to wait for the server's close frame when we close.
    public var closeTimeout: Duration = .seconds(2)
    /// Ticks stamped further ahead of the receive clock than this are rejected (`future_time`).
    public var maxFutureSkew: Duration = .seconds(5)

    public init(url: String, watchdogTimeout: Duration = .seconds(10), backoff: Backoff = Backoff()) {
        self.url = url
        self.watchdogTimeout = watchdogTimeout
        self.backoff = backoff
    }
}

/// A price feed over a websocket, with reconnects, resubscription and a silence watchdog.
///
/// Status sequence: `connecting` → `live` (first tick) → on any close, error or silence:
/// `down(reason:)` → `reconnecting(attempt:nextDelay:)` → `connecting` ... The attempt count
/// resets once a connection delivers ticks again.
/// ```swift
/// let feed = WebSocketFeed(adapter: .binance(),
///     configuration: .init(url: "wss://fstream.binance.com/market/ws/!markPrice@arr@1s"))
/// for await tick in feed.ticks() { ... }
/// ```
public final class WebSocketFeed: CoreBackedFeed {
    public let core: FeedCore
    public let adapter: ExchangeAdapter
    public let configuration: WebSocketFeedConfiguration

    public init(
        adapter: ExchangeAdapter, configuration: WebSocketFeedConfiguration, symbolMap: SymbolMap = .passthrough,
        clock: any MarginClock = SystemClock(), logger: Logger? = nil
    ) {
        self.adapter = adapter
        self.configuration = configuration
        self.core = FeedCore(
            name: adapter.name, clock: clock, symbolMap: symbolMap, logger: logger,
            maxFutureSkew: configuration.maxFutureSkew.seconds
        ) { core in
            await Self.run(core: core, adapter: adapter, configuration: configuration)
        }
    }

    /// Connect, read until the connection ends, back off, repeat until cancelled.
    static func run(core: FeedCore, adapter: ExchangeAdapter, configuration: WebSocketFeedConfiguration) async {
        var backoff = configuration.backoff
        var attempt = 0
        while !Task.isCancelled {
            core.setStatus(.connecting)
            core.resetOrdering()
            let before = core.counters.ticks
            let reason = await connectOnce(core: core, adapter: adapter, configuration: configuration)
            if Task.isCancelled { break }
            if core.counters.ticks > before { attempt = 0 }
            core.setStatus(.down(reason: reason))
            attempt += 1
            let delay = backoff.delay(attempt: attempt)
            core.setStatus(.reconnecting(attempt: attempt, nextDelay: delay))
            do { try await core.clock.sleep(for: delay) } catch { break }
        }
    }

    /// One connection. Returns why it ended.
    static func connectOnce(core: FeedCore, adapter: ExchangeAdapter, configuration: WebSocketFeedConfiguration) async
        -> String
    {
        let clock = core.clock
        let lastMessage = LockedBox(clock.now)
        let upgraded = LockedBox(false)
        // An event loop of the connection's own: shutting it down closes the socket wherever the
        // client is (connecting, upgrading), which is how a stuck upgrade is abandoned.
        let eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var wsConfiguration = WebSocketClientConfiguration(maxFrameSize: configuration.maxFrameSize)
        wsConfiguration.closeTimeout = configuration.closeTimeout
        var logger = core.logger
        logger[metadataKey: "url"] = "\(configuration.url)"
        let maxSize = configuration.maxFrameSize
        let wsConfig = wsConfiguration
        let wsLogger = logger
        @Sendable func makeClient() -> WebSocketClient {
            WebSocketClient(
                url: configuration.url, configuration: wsConfig, tlsConfiguration: configuration.tlsConfiguration,
                eventLoopGroup: eventLoops, logger: wsLogger
            ) { inbound, outbound, _ in
                upgraded.set(true)
                core.noteConnected()
                lastMessage.set(clock.now)
                for message in adapter.subscribeMessages {
                    try await outbound.write(.text(message))
                }
                var decoder = adapter.makeDecoder()
                for try await message in inbound.messages(maxSize: maxSize) {
                    let now = clock.now
                    lastMessage.set(now)
                    let text: String
                    switch message {
                    case .text(let s): text = s
                    case .binary(let buffer): text = String(buffer: buffer)
                    }
                    let decoded = decoder.decode(text)
                    for reply in decoded.replies {
                        try await outbound.write(.text(reply))
                    }
                    core.ingest(decoded, receiveTime: now)
                }
            }
        }

        let timeout = configuration.watchdogTimeout
        // The client runs on a task of its own: WSClient waits for the upgrade without heeding
        // cancellation, so the feed must be able to give up on it without awaiting it.
        let (outcome, delivered) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let client = Task {
            defer { delivered.finish() }
            do {
                let close = try await makeClient().run()
                if let close {
                    let code = UInt16(webSocketErrorCode: close.closeCode)
                    let why = close.reason.map { ": \($0)" } ?? ""
                    delivered.yield("closed by server (code \(code)\(why))")
                } else {
                    delivered.yield("connection closed")
                }
            } catch {
                // The banner gets the short reason; the log keeps the whole error.
                wsLogger.warning("feed \(adapter.name) connection failed: \(describe(error))")
                delivered.yield(ConnectionFailure.reason(error, url: configuration.url))
            }
        }
        let reason = await withTaskGroup(of: String?.self) { group in
            group.addTask {
                // Ends at once when cancelled, whatever the client is doing.
                for await reason in outcome { return reason }
                return nil
            }
            group.addTask {
                // Watchdog: silence for `timeout` ends the connection even though the socket is open,
                // and bounds the connect and the upgrade (the clock starts before connecting).
                while !Task.isCancelled {
                    let deadline = lastMessage.get() + timeout.seconds
                    let now = clock.now
                    if now >= deadline {
                        return upgraded.get() ? "no message for \(timeout)" : "no websocket upgrade within \(timeout)"
                    }
                    do { try await clock.sleep(for: .fromSeconds(deadline - now)) } catch { return nil }
                }
                return nil
            }
            var reason = "stopped"
            if let first = await group.next(), let first { reason = first }
            group.cancelAll()
            return reason
        }
        client.cancel()
        // Once upgraded the client heeds cancellation and closes the websocket properly: wait for
        // it. Before that, closing its event loop closes the socket; nothing waits on the client.
        if upgraded.get() { await client.value }
        try? await eventLoops.shutdownGracefully()
        return reason
    }

    /// The whole error, for the log: every address tried and what each answered.
    static func describe(_ error: any Error) -> String {
        if let e = error as? WebSocketClientError { return e.description }
        if let e = error as? NIOConnectionError {
            let tried = e.connectionErrors.map { "\($0.target): \($0.error)" }
            let dns = [e.dnsAError, e.dnsAAAAError].compactMap { $0.map { "DNS: \($0)" } }
            return "\(e.host):\(e.port): " + (tried + dns).joined(separator: "; ")
        }
        return String(describing: error)
    }
}

/// A value behind a lock, shareable between tasks.
final class LockedBox<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func get() -> Value { mutex.withLock { $0 } }
    func set(_ value: Value) { mutex.withLock { $0 = value } }
    @discardableResult
    func update<R: Sendable>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
}
