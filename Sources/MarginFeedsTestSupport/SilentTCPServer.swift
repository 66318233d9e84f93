import NIOCore
import NIOPosix
import Synchronization

/// A TCP listener on 127.0.0.1 that accepts every connection and never answers: no websocket
/// upgrade, no bytes, no close. What a wedged proxy or a half-dead exchange gateway looks like
/// to a feed that is connecting.
///
/// ```swift
/// let silent = try await SilentTCPServer.start()
/// let feed = WebSocketFeed(adapter: .binance(), configuration: .init(url: silent.url("/x")))
/// ...
/// await silent.stop()  // closes the held connections too
/// ```
public final class SilentTCPServer: Sendable {
    public let port: Int
    private let serverChannel: any Channel
    private let held = Mutex<[any Channel]>([])
    private let accepted = Mutex(0)

    private init(port: Int, serverChannel: any Channel) {
        self.port = port
        self.serverChannel = serverChannel
    }

    /// Connections accepted so far.
    public var connectionCount: Int { accepted.withLock { $0 } }

    /// `ws://127.0.0.1:PORT` + `path`.
    public func url(_ path: String = "/") -> String { "ws://127.0.0.1:\(port)\(path)" }

    /// Binds a free port and starts accepting.
    public static func start() async throws -> SilentTCPServer {
        let box = Box()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                box.server.withLock { $0?.hold(child) }
                return child.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let server = SilentTCPServer(port: channel.localAddress?.port ?? 0, serverChannel: channel)
        box.server.withLock { $0 = server }
        return server
    }

    /// Lets the child initializer reach the server made after binding.
    private final class Box: Sendable {
        let server = Mutex<SilentTCPServer?>(nil)
    }

    private func hold(_ channel: any Channel) {
        held.withLock { $0.append(channel) }
        accepted.withLock { $0 += 1 }
    }

    /// Stops listening and closes every held connection.
    public func stop() async {
        try? await serverChannel.close()
        for channel in held.withLock({ $0 }) { try? await channel.close() }
    }
}
