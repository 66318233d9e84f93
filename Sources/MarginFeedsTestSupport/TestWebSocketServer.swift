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
public final class TestWebSocketServer: Sendable {
    public typealias Handler = @Sendable (TestWebSocketConnection) async throws -> Void

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

    /// `ws://127.0.0.1:PORT` + `path`.
    public func url(_ path: String = "/") -> String { "ws://127.0.0.1:\(port)\(path)" }

    /// Binds (port 0: a free port) and starts accepting.
    public static func start(port: Int = 0, handler: @escaping Handler) async throws -> TestWebSocketServer {
        let channel: NIOAsyncChannel<EventLoopFuture<Upgrade>, Never> = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let upgrader = NIOTypedWebSocketServerUpgrader<Upgrade>(
                        maxFrameSize: 1 << 24,
                        shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders()) },
                        upgradePipelineHandler: { channel, head in
                            channel.eventLoop.makeCompletedFuture {
                                let ws = try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(wrappingChannelSynchronously: channel)
                                return Upgrade.websocket(ws, path: head.uri)
                            }
                        }
                    )
                    let configuration = NIOTypedHTTPServerUpgradeConfiguration(
                        upgraders: [upgrader],
                        notUpgradingCompletionHandler: { channel in
                            channel.eventLoop.makeCompletedFuture {
                                channel.close(promise: nil)
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
        let box = ServerState()
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

    static func serve(_ ws: NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, path: String, handler: @escaping Handler) async {
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
                                try await outbound.write(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData))
                            case .connectionClose:
                                connection.noteClientClose()
                                if !connection.sentClose {
                                    var data = frame.unmaskedData
                                    let code = data.readSlice(length: 2) ?? ByteBuffer()
                                    try? await outbound.write(WebSocketFrame(fin: true, opcode: .connectionClose, data: code))
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
    }
    let mutex = Mutex(Value())

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
