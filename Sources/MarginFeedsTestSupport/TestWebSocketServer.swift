import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Synchronization

/// A real websocket server on 127.0.0.1 for tests, built on swift-nio's `NIOWebSocket`
/// server upgrader. Each accepted connection runs the `handler` with a
/// ``TestWebSocketConnection``; when the handler returns the server closes normally (1000).
///
/// ```swift
/// let server = try await TestWebSocketServer.start { conn in
///     try await conn.send(#"{"e":"markPriceUpdate",...}"#)
///     await conn.waitUntilClosed()
/// }
/// defer { Task { await server.stop() } }
/// ```
///
/// With `refusingUpgrades:` the first connections are accepted over TCP but their websocket
/// upgrade is answered with an HTTP error (e.g. 403) and closed, like an exchange that bans
/// or rate-limits a client; later connections upgrade normally.
public final class TestWebSocketServer: Sendable {
    public typealias Handler = @Sendable (TestWebSocketConnection) async throws -> Void

    /// Answer the websocket upgrade of the first `count` TCP connections with HTTP `status`
    /// (body `body`, `Connection: close`) instead of `101 Switching Protocols`.
    public struct UpgradeRefusal: Sendable {
        public var count: Int
        public var status: Int
        public var body: String
        public init(count: Int, status: Int = 403, body: String = "upgrade refused by test server") {
            self.count = count
            self.status = status
            self.body = body
        }
    }

    enum Upgrade: Sendable {
        case websocket(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, path: String)
        case notUpgraded
    }

    public let port: Int
    private let serverChannel: any Channel
    private let acceptTask: Task<Void, Never>
    private let state: ServerState

    private init(port: Int, serverChannel: any Channel, acceptTask: Task<Void, Never>, state: ServerState) {
        self.port = port
        self.serverChannel = serverChannel
        self.acceptTask = acceptTask
        self.state = state
    }

    /// Connections accepted so far.
    public var connectionCount: Int { state.mutex.withLock { $0.connections } }
    /// Request paths of accepted connections, in order.
    public var requestPaths: [String] { state.mutex.withLock { $0.paths } }
    /// Upgrade requests answered with the ``UpgradeRefusal`` HTTP error so far (not in ``connectionCount``).
    public var refusedUpgradeCount: Int { state.mutex.withLock { $0.refusedUpgrades } }

    /// `ws://127.0.0.1:PORT` + `path`.
    public func url(_ path: String = "/") -> String { "ws://127.0.0.1:\(port)\(path)" }

    /// Binds (port 0: a free port) and starts accepting.
    /// - Parameter refusingUpgrades: refuse the upgrade of the first connections with an HTTP error.
    public static func start(
        port: Int = 0, refusingUpgrades refusal: UpgradeRefusal? = nil, handler: @escaping Handler
    ) async throws -> TestWebSocketServer {
        let box = ServerState()
        let channel: NIOAsyncChannel<EventLoopFuture<Upgrade>, Never> = try await ServerBootstrap(
            group: MultiThreadedEventLoopGroup.singleton
        )
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .bind(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                // Decided per TCP connection, in accept order.
                let refuse = refusal.flatMap { r in box.takeRefusal(limit: r.count) ? r : nil }
                let upgrader = NIOTypedWebSocketServerUpgrader<Upgrade>(
                    maxFrameSize: 1 << 24,
                    shouldUpgrade: { channel, _ in
                        // nil refuses the upgrade: NIO then runs the not-upgrading handler below.
                        channel.eventLoop.makeSucceededFuture(refuse == nil ? HTTPHeaders() : nil)
                    },
                    upgradePipelineHandler: { channel, head in
                        channel.eventLoop.makeCompletedFuture {
                            let ws = try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(
                                wrappingChannelSynchronously: channel)
                            return Upgrade.websocket(ws, path: head.uri)
                        }
                    }
                )
                let configuration = NIOTypedHTTPServerUpgradeConfiguration(
                    upgraders: [upgrader],
                    notUpgradingCompletionHandler: { channel in
                        channel.eventLoop.makeCompletedFuture {
                            if let refuse {
                                Self.answerRefusal(refuse, on: channel)
                                box.mutex.withLock { $0.refusedUpgrades += 1 }
                            } else {
                                channel.close(promise: nil)
                            }
                            return Upgrade.notUpgraded
                        }
                    }
                )
                return try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(
                    configuration: .init(upgradeConfiguration: configuration))
            }
        }
        let boundPort = channel.channel.localAddress?.port ?? port
        let serverChannel = channel.channel
        let task = Task<Void, Never> {
            _ = try? await withThrowingDiscardingTaskGroup { group in
                try await channel.executeThenClose { inbound in
                    for try await upgrade in inbound {
                        group.addTask {
                            guard case .websocket(let ws, let path)? = try? await upgrade.get() else { return }
                            let id = ObjectIdentifier(ws.channel)
                            box.register(id, ws.channel, path: path)
                            defer { box.unregister(id) }
                            await Self.serve(ws, path: path, handler: handler)
                        }
                    }
                }
            }
            box.mutex.withLock { $0.stopped = true }
        }
        return TestWebSocketServer(port: boundPort, serverChannel: serverChannel, acceptTask: task, state: box)
    }

    /// Writes the refusal as a complete HTTP/1.1 response, then closes the connection.
    static func answerRefusal(_ refusal: UpgradeRefusal, on channel: any Channel) {
        let body = ByteBuffer(string: refusal.body)
        let headers = HTTPHeaders([
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", "\(body.readableBytes)"),
            ("Connection", "close"),
        ])
        let head = HTTPResponseHead(
            version: .http1_1, status: HTTPResponseStatus(statusCode: refusal.status), headers: headers)
        channel.write(HTTPServerResponsePart.head(head), promise: nil)
        channel.write(HTTPServerResponsePart.body(.byteBuffer(body)), promise: nil)
        channel.writeAndFlush(HTTPServerResponsePart.end(nil)).whenComplete { _ in channel.close(promise: nil) }
    }

    /// Sends one websocket upgrade request over a plain TCP connection and returns the raw
    /// HTTP response text the server wrote before closing, so a test can see exactly what a
    /// client receives (e.g. `HTTP/1.1 403 Forbidden`). Returns when the server closes: wrap
    /// it in ``withTimeout(_:_:_:)``.
    public func rawUpgradeResponse(path: String = "/") async throws -> String {
        let client = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let request =
            "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        return try await client.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: request))
            var received = ByteBuffer()
            for try await var chunk in inbound { received.writeBuffer(&chunk) }
            return String(buffer: received)
        }
    }

    /// Stops listening and closes every open connection (without close frames).
    public func stop() async {
        try? await serverChannel.close()
        // Connections may still be mid-upgrade: keep closing until the accept loop has ended.
        for _ in 0..<1000 {
            let open = state.mutex.withLock { Array($0.open.values) }
            for channel in open { try? await channel.close() }
            if state.mutex.withLock({ $0.stopped }) { return }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    static func serve(_ ws: NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, path: String, handler: @escaping Handler)
        async
    {
        try? await ws.executeThenClose { inbound, outbound in
            let connection = TestWebSocketConnection(path: path, outbound: outbound, channel: ws.channel)
            await withTaskGroup(of: Bool.self) { group in
                group.addTask {
                    var text = ByteBuffer()
                    var inText = false
                    do {
                        for try await frame in inbound {
                            switch frame.opcode {
                            case .text:
                                text = frame.unmaskedData
                                inText = !frame.fin
                                if frame.fin { connection.deliver(String(buffer: text)) }
                            case .continuation where inText:
                                var data = frame.unmaskedData
                                text.writeBuffer(&data)
                                if frame.fin {
                                    inText = false
                                    connection.deliver(String(buffer: text))
                                }
                            case .ping:
                                try await outbound.write(
                                    WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData))
                            case .connectionClose:
                                connection.noteClientClose()
                                if !connection.sentClose {
                                    var data = frame.unmaskedData
                                    let code = data.readSlice(length: 2) ?? ByteBuffer()
                                    try? await outbound.write(
                                        WebSocketFrame(fin: true, opcode: .connectionClose, data: code))
                                }
                                connection.finishInbound()
                                return false
                            default:
                                break
                            }
                        }
                    } catch {}
                    connection.finishInbound()
                    return false
                }
                group.addTask {
                    do {
                        try await handler(connection)
                        if !connection.sentClose && !connection.isClosed { try await connection.close() }
                    } catch {}
                    return true
                }
                if let handlerFirst = await group.next(), handlerFirst {
                    // Give the client a moment to answer our close frame, then hang up.
                    _ = await withTaskGroup(of: Void.self) { g in
                        g.addTask { try? await Task.sleep(for: .seconds(1)) }
                        g.addTask { await connection.waitUntilClosed() }
                        await g.next()
                        g.cancelAll()
                    }
                }
                group.cancelAll()
            }
        }
    }
}

/// The server's connection registry, shared with the accept task.
final class ServerState: Sendable {
    struct Value {
        var connections = 0
        var open: [ObjectIdentifier: any Channel] = [:]
        var paths: [String] = []
        var stopped = false
        /// TCP connections that claimed one of the refusals.
        var refusalsTaken = 0
        var refusedUpgrades = 0
    }
    let mutex = Mutex(Value())

    /// Whether this connection is among the first `limit` (and so is refused).
    func takeRefusal(limit: Int) -> Bool {
        mutex.withLock {
            guard $0.refusalsTaken < limit else { return false }
            $0.refusalsTaken += 1
            return true
        }
    }

    func register(_ id: ObjectIdentifier, _ channel: any Channel, path: String) {
        mutex.withLock {
            $0.connections += 1
            $0.open[id] = channel
            $0.paths.append(path)
        }
    }

    func unregister(_ id: ObjectIdentifier) {
        mutex.withLock { _ = $0.open.removeValue(forKey: id) }
    }
}
