import Foundation
import NIOCore
import NIOWebSocket
import Synchronization

/// One accepted websocket connection on a ``TestWebSocketServer``: send text, read what the
/// client sent, close cleanly or drop the TCP connection.
public final class TestWebSocketConnection: Sendable {
    /// The request path, e.g. `/market/ws/!markPrice@arr@1s`.
    public let path: String
    private let outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>
    private let channel: any Channel
    private let inbox = Mutex((messages: [String](), finished: false))
    private let flags = Mutex((sentClose: false, clientClosed: false, closed: false))

    init(path: String, outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>, channel: any Channel) {
        self.path = path
        self.outbound = outbound
        self.channel = channel
        channel.closeFuture.whenComplete { [weak self] _ in self?.markClosed() }
    }

    var sentClose: Bool { flags.withLock { $0.sentClose } }
    /// Whether the client sent a close frame.
    public var clientClosed: Bool { flags.withLock { $0.clientClosed } }
    /// Whether the TCP connection is closed.
    public var isClosed: Bool { flags.withLock { $0.closed } }

    func deliver(_ text: String) { inbox.withLock { $0.messages.append(text) } }
    func finishInbound() { inbox.withLock { $0.finished = true } }
    func noteClientClose() { flags.withLock { $0.clientClosed = true } }

    private func markClosed() {
        flags.withLock { $0.closed = true }
        finishInbound()
    }

    /// Sends one text message.
    public func send(_ text: String) async throws {
        var buffer = channel.allocator.buffer(capacity: text.utf8.count)
        buffer.writeString(text)
        try await outbound.write(WebSocketFrame(fin: true, opcode: .text, data: buffer))
    }

    /// The next text message from the client; nil when the connection closed or `timeout` passed.
    public func receive(timeout: Duration = .seconds(5)) async -> String? {
        let limit = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < limit {
            let (message, finished) = inbox.withLock { box -> (String?, Bool) in
                if !box.messages.isEmpty { return (box.messages.removeFirst(), false) }
                return (nil, box.finished)
            }
            if let message { return message }
            if finished { return nil }
            do { try await Task.sleep(for: .milliseconds(2)) } catch { return nil }
        }
        return nil
    }

    /// Sends a close frame with `code`, then closes the TCP connection shortly after.
    public func close(code: UInt16 = 1000, reason: String = "") async throws {
        flags.withLock { $0.sentClose = true }
        var buffer = channel.allocator.buffer(capacity: 2 + reason.utf8.count)
        buffer.writeInteger(code)
        buffer.writeString(reason)
        try await outbound.write(WebSocketFrame(fin: true, opcode: .connectionClose, data: buffer))
    }

    /// Closes the TCP connection abruptly, without a close frame.
    public func drop() async {
        try? await channel.close()
    }

    /// Returns once the TCP connection is closed (or the task is cancelled).
    public func waitUntilClosed() async {
        while !isClosed {
            do { try await Task.sleep(for: .milliseconds(5)) } catch { return }
        }
    }
}
