import Testing

@testable import MarginStore

/// The store's status reads as words in watch events and the dashboard header (issue 10, item 12).
@Suite struct StoreStatusTests {
    @Test func statusIsPlainWords() {
        #expect("\(StoreStatus.connected)" == "connected")
        #expect(
            "\(StoreStatus.reconnecting(attempt: 2, reason: "connection refused"))"
                == "reconnecting (attempt 2): connection refused")
        #expect("\(StoreStatus.down(reason: "server closed the connection"))" == "down: server closed the connection")
    }
}
