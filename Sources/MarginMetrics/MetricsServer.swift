import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// The HTTP endpoint of `--metrics HOST:PORT`: `GET /metrics` (and `HEAD`) answers the Prometheus
/// text exposition of a ``LiveMetrics``; other paths are 404, other methods on `/metrics` 405.
///
/// It runs on an event loop of its own (one thread), so a scrape never waits for the live loop
/// and the live loop never waits for a scrape: the metrics are atomics read at emit time.
///
/// ```swift
/// let server = try await MetricsServer.start(MetricsAddress(parsing: "127.0.0.1:0"), metrics: metrics)
/// print(server.address.url)   // http://127.0.0.1:41234/metrics
/// await server.stop()
/// ```
public final class MetricsServer: Sendable {
    /// The address listened on, with the port the system picked when 0 was asked for.
    public let address: MetricsAddress
    /// What it serves.
    public let metrics: LiveMetrics
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel

    private init(
        address: MetricsAddress, metrics: LiveMetrics, group: MultiThreadedEventLoopGroup, channel: any Channel
    ) {
        self.address = address
        self.metrics = metrics
        self.group = group
        self.channel = channel
    }

    /// Listens on `address`; throws ``MetricsError/Code/cannotListen`` ("cannot listen on HOST:PORT: reason").
    public static func start(_ address: MetricsAddress, metrics: LiveMetrics = LiveMetrics()) async throws(MetricsError)
        -> MetricsServer
    {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 64)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { child in
                    child.eventLoop.makeCompletedFuture {
                        try child.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try child.pipeline.syncOperations.addHandler(MetricsHTTPHandler(metrics: metrics))
                    }
                }
                .childChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: address.host, port: address.port)
                .get()
            let bound = MetricsAddress(host: address.host, port: channel.localAddress?.port ?? address.port)
            return MetricsServer(address: bound, metrics: metrics, group: group, channel: channel)
        } catch {
            try? await group.shutdownGracefully()
            throw MetricsError(.cannotListen, "cannot listen on \(address): \(MetricsServer.reason(error))")
        }
    }

    /// Stops listening and ends the server's thread.
    public func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }

    /// A bind failure as an operator reads it: `Address already in use`, not the NIO type's dump.
    static func reason(_ error: any Error) -> String {
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)) }
        if let resolution = error as? SocketAddressError {
            switch resolution {
            case .unknown(let host, _): return "unknown host '\(host)'"
            default: return "\(resolution)"
            }
        }
        return "\(error)"
    }
}

/// Answers one connection's requests (keep-alive and pipelining come from NIO's HTTP server pipeline).
private final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let metrics: LiveMetrics
    private var head: HTTPRequestHead?

    init(metrics: LiveMetrics) { self.metrics = metrics }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h): head = h
        case .body: break
        case .end:
            guard let h = head else { return }
            head = nil
            respond(to: h, context: context)
        }
    }

    private func respond(to request: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = request.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        var headers = HTTPHeaders()
        let status: HTTPResponseStatus
        var body: [UInt8]
        if path != "/metrics" {
            status = .notFound
            body = Array("not found: the metrics are at /metrics\n".utf8)
            headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        } else if request.method != .GET && request.method != .HEAD {
            status = .methodNotAllowed
            body = Array("method not allowed: GET /metrics\n".utf8)
            headers.add(name: "Allow", value: "GET, HEAD")
            headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        } else {
            status = .ok
            body = metrics.exposition()
            headers.add(name: "Content-Type", value: "text/plain; version=0.0.4; charset=utf-8")
        }
        headers.add(name: "Content-Length", value: "\(body.count)")
        if request.method == .HEAD { body = [] }
        let keepAlive = request.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))),
            promise: nil)
        if !body.isEmpty {
            context.write(
                wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { channel.close(promise: nil) }
        }
    }
}
