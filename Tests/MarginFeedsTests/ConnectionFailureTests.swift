import Foundation
import Logging
import MarginCore
import MarginFeeds
import MarginFeedsTestSupport
import NIOCore
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A websocket feed's down reason is short enough for the dashboard's banner and says what went
/// wrong and where (`connection refused (127.0.0.1:9)`), not NIO's whole error
/// (`connection failed: [IPv4]127.0.0.1/127.0.0.1:9: connection reset (error set): Connection refused
/// (errno: 111)`); the whole error stays in the log.
@Suite(.timeLimit(.minutes(1)))
struct ConnectionFailureTests {
    /// Log lines, kept in memory.
    final class LogLines: Sendable {
        let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }

        struct Handler: LogHandler {
            let sink: LogLines
            var logLevel: Logger.Level = .trace
            var metadata: Logger.Metadata = [:]
            subscript(metadataKey key: String) -> Logger.Metadata.Value? {
                get { metadata[key] }
                set { metadata[key] = newValue }
            }
            func log(event: LogEvent) {
                sink.lines.withLock { $0.append("\(event.level) \(event.message)") }
            }
        }

        var logger: Logger { Logger(label: "feed") { _ in Handler(sink: self) } }
    }

    /// The first down reason of a feed at `url`.
    static func firstDownReason(_ url: String, logger: Logger? = nil) async throws -> String {
        let feed = WebSocketFeed(
            adapter: .binance(), configuration: .init(url: url, watchdogTimeout: .seconds(30)), clock: ManualClock(),
            logger: logger)
        let statuses = StatusLog(feed)
        let ticks = TickCollector(feed)  // subscribing to ticks starts the feed
        let down = try await statuses.wait(for: "down") { $0.isDown }
        await feed.stop()
        #expect(ticks.count == 0)
        guard case .down(let reason) = statuses.all[down] else { return "" }
        return reason
    }

    @Test func aClosedPortIsConnectionRefusedWithTheAddress() async throws {
        let probe = try await TestWebSocketServer.start { _ in }
        let port = probe.port
        await probe.stop()
        let log = LogLines()
        let reason = try await Self.firstDownReason("ws://127.0.0.1:\(port)/ws", logger: log.logger)
        #expect(reason == "connection refused (127.0.0.1:\(port))")
        // The log has the whole error and the short reason.
        let failed = log.all.first { $0.contains("connection failed") }
        #expect(
            failed?.contains("127.0.0.1") == true && failed?.contains("errno: \(ECONNREFUSED)") == true, "\(log.all)")
        #expect(log.all.contains("warning feed binance down: connection refused (127.0.0.1:\(port))"), "\(log.all)")
    }

    @Test func tlsToAPlainServerIsAFailedHandshake() async throws {
        let server = try await TestWebSocketServer.start { conn in await conn.waitUntilClosed() }
        let reason = try await Self.firstDownReason("wss://localhost:\(server.port)/ws")
        await server.stop()
        #expect(reason == "TLS handshake failed (localhost)")
    }

    /// TLS sends the host name (SNI) and checks the certificate against it: an address cannot be used.
    @Test func tlsToAnAddressSaysItNeedsAHostName() async throws {
        let server = try await TestWebSocketServer.start { conn in await conn.waitUntilClosed() }
        let reason = try await Self.firstDownReason("wss://127.0.0.1:\(server.port)/ws")
        await server.stop()
        #expect(reason == "TLS needs a host name, not an IP address (127.0.0.1)")
    }

    @Test func anUnknownHostIsHostNotFound() async throws {
        // `.invalid` never resolves (RFC 6761); no DNS server at all is a lookup failure.
        let reason = try await Self.firstDownReason("wss://margintop-feed-test.invalid/ws")
        #expect(
            reason == "host not found (margintop-feed-test.invalid)"
                || reason == "host lookup failed (margintop-feed-test.invalid)", "\(reason)")
    }

    @Test func anUpgradeTheServerRefusesNamesTheServer() async throws {
        let server = try await TestWebSocketServer.start(refusingUpgrades: .init(count: 1, status: 403, body: "no")) {
            conn in await conn.waitUntilClosed()
        }
        let reason = try await Self.firstDownReason(server.url("/ws"))
        await server.stop()
        #expect(reason == "websocket upgrade failed (127.0.0.1:\(server.port))")
    }

    /// Errors no test can cause on demand here (a connect that times out, a reset, an unreachable
    /// network), as NIO raises them.
    @Test func otherSocketErrorsAreNamedShortly() {
        let url = "wss://stream.example.com/ws"
        #expect(
            ConnectionFailure.reason(ChannelError.connectTimeout(.seconds(10)), url: url)
                == "connection timed out (stream.example.com:443)")
        #expect(
            ConnectionFailure.reason(IOError(errnoCode: ETIMEDOUT, reason: "connect"), url: url)
                == "connection timed out (stream.example.com:443)")
        #expect(
            ConnectionFailure.reason(IOError(errnoCode: ECONNRESET, reason: "read"), url: "ws://10.0.0.1:9000/x")
                == "connection reset (10.0.0.1:9000)")
        #expect(
            ConnectionFailure.reason(IOError(errnoCode: ENETUNREACH, reason: "connect"), url: "ws://[::1]:9/x")
                == "network unreachable ([::1]:9)")
        #expect(ConnectionFailure.reason(ChannelError.eof, url: "ws://h:1/") == "connection closed (h:1)")
    }
}
