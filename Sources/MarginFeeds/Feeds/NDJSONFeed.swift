import Foundation
import Logging
import MarginCore

/// Ticks from NDJSON lines on stdin (`ndjson:-`) or in a file (`ndjson:FILE`), delivered as
/// they are read (no replay timing). The feed finishes at end of input.
public final class NDJSONFeed: CoreBackedFeed {
    public let core: FeedCore
    public let source: NDJSONSource

    public init(
        source: NDJSONSource, symbolMap: SymbolMap = .passthrough, clock: any MarginClock = SystemClock(),
        logger: Logger? = nil
    ) {
        self.source = source
        core = FeedCore(name: "ndjson", clock: clock, symbolMap: symbolMap, logger: logger) { core in
            await Self.run(core: core, source: source)
        }
    }

    /// A feed reading lines from an open file handle (pipes included).
    public convenience init(
        handle: FileHandle, symbolMap: SymbolMap = .passthrough, clock: any MarginClock = SystemClock(),
        logger: Logger? = nil
    ) {
        self.init(source: .stdin, symbolMap: symbolMap, clock: clock, logger: logger, handle: handle)
    }

    private init(
        source: NDJSONSource, symbolMap: SymbolMap, clock: any MarginClock, logger: Logger?, handle: FileHandle
    ) {
        self.source = source
        core = FeedCore(name: "ndjson", clock: clock, symbolMap: symbolMap, logger: logger) { core in
            await Self.consume(core: core, lines: LineReader.lines(from: handle))
        }
    }

    static func run(core: FeedCore, source: NDJSONSource) async {
        let handle: FileHandle
        switch source {
        case .stdin:
            handle = FileHandle.standardInput
        case .file(let path):
            guard let h = FileHandle(forReadingAtPath: path) else {
                core.setStatus(.down(reason: "cannot open \(path)"))
                return
            }
            handle = h
        }
        await consume(core: core, lines: LineReader.lines(from: handle))
    }

    static func consume(core: FeedCore, lines: AsyncStream<String>) async {
        var decoder = NDJSONTickDecoder()
        for await line in lines {
            if line.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { continue }
            core.ingest(decoder.decode(line), receiveTime: core.clock.now)
        }
    }
}

/// Reads lines from a file handle on a dedicated thread (reads block), so the cooperative
/// pool never waits on I/O.
enum LineReader {
    static func lines(from handle: FileHandle) -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingOldest(65_536))
        let thread = Thread {
            var pending = [UInt8]()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                pending.append(contentsOf: chunk)
                var start = 0
                while let nl = pending[start...].firstIndex(of: 0x0A) {
                    var line = pending[start..<nl]
                    if line.last == 0x0D { line = line.dropLast() }
                    if case .terminated = continuation.yield(String(decoding: line, as: UTF8.self)) { return }
                    start = nl + 1
                }
                pending.removeFirst(start)
            }
            if !pending.isEmpty { continuation.yield(String(decoding: pending, as: UTF8.self)) }
            continuation.finish()
        }
        thread.name = "margintop.ndjson-reader"
        thread.start()
        return stream
    }
}
