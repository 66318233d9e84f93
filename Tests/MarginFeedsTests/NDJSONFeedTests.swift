import Foundation
import MarginCore
import MarginFeeds
import MarginFeedsTestSupport
import Testing

@Suite(.timeLimit(.minutes(1)))
struct NDJSONFeedTests {
    @Test func readsAFileAndFinishes() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nd-\(UUID().uuidString).ndjson").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try (ReplayTests.lines + "\n\n{\"bad\":1}\n").write(toFile: path, atomically: true, encoding: .utf8)
        let feed = try FeedFactory.make(spec: "ndjson:\(path)")
        let ticks = TickCollector(feed)
        try await ticks.waitFinished()
        #expect(ticks.ticks.map(\.value) == [60000, 3000.25, 60010.5, 60020.125])
        let c = await feed.counters()
        #expect(c.messages == 5 && c.ticks == 4 && c.rejected == ["missing_field": 1])
        #expect(await feed.status() == .finished)
    }

    @Test func readsAPipeAsLinesArrive() async throws {
        let pipe = Pipe()
        let feed = NDJSONFeed(handle: pipe.fileHandleForReading)
        let statuses = StatusLog(feed)
        let ticks = TickCollector(feed)
        let writer = pipe.fileHandleForWriting
        writer.write(
            Data(#"{"ts":"2026-11-24T12:00:00.123Z","symbol":"BTC","kind":"index","price":60012.5}"#.utf8 + [0x0A]))
        try await ticks.wait(count: 1)
        try await statuses.wait(for: "live") { $0 == .live }
        #expect(ticks.ticks[0].exchangeTime == Timestamp.parseLenient("2026-11-24T12:00:00.123Z"))
        writer.write(Data(#"{"ts":1764000000500,"symbol":"ETH","kind":"iv","price":"0.55"}"#.utf8 + [0x0A]))
        try await ticks.wait(count: 2)
        #expect(ticks.ticks[1].value == 0.55 && ticks.ticks[1].kind == .iv)
        try writer.close()
        try await ticks.waitFinished()
    }
}
