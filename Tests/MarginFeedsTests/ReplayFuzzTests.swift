import Foundation
import FuzzTestSupport
import MarginCore
import MarginFeeds
import Testing

/// The replay reader (`ReplaySource.parse`: NDJSON tick lines, or the real-data CSV layout)
/// under 100,000 mutated files (`MARGINTOP_FUZZ_CASES` to change; the seed is fixed): no trap,
/// and every file is a named ``FeedError`` or items that a ``FeedCore`` takes the way
/// ``ReplayFeed`` gives them, each a valid tick or a rejection counted under a known reason,
/// with no control character in any error or sample.
struct ReplayFuzzTests {
    /// Real rows (banner, header and the newest rows of the fixtures), tick lines, and a day of
    /// rows with `HH:MM:SS` times.
    static func corpus() throws -> [[UInt8]] {
        func head(_ name: String, lines: Int) throws -> String {
            let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
            let text = try String(contentsOf: url, encoding: .utf8)
            // The files end lines with CRLF, one Character in Swift.
            let all = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            return all.prefix(lines).joined(separator: "\r\n")
        }
        let texts = [
            try head("Coinbase_BTCUSD_1h_200.csv", lines: 5),
            try head("Coinbase_BTCUSD_d_30.csv", lines: 4) + "\n",
            "date,symbol,open,high,low,close\r\n2019-10-17 13:00:00,BTC-USD,1,1,1,8035.5\r\n2019-10-17 23:59:59,ETHUSDT,1,1,1,180.25\r\n",
            """
            {"ts":"2026-11-24T12:00:00.000Z","symbol":"BTC","kind":"index","price":60000}
            {"ts":"2026-11-24T12:00:01.000Z","symbol":"ETH","kind":"index","price":3000.25}
            {"ts":1764000003500,"symbol":"BTC-PERP","kind":"mark","price":"60020.125"}
            """,
            #"{"ts":"2026-11-24T12:00:00Z","symbol":"BTC","kind":"iv","price":0.55}"# + "\n\n",
        ]
        return texts.map { Array($0.utf8) }
    }

    @Test
    func hundredThousandReplayFiles() async throws {
        let cases = FuzzLog.cases
        let start = ContinuousClock.now
        let corpus = try Self.corpus()
        let shards = await withTaskGroup(of: (FuzzLog, Set<Mutator.Operation>, [String: Int]).self) { group in
            for (k, range) in FuzzLog.shards(cases).enumerated() {
                group.addTask { await Self.run(corpus: corpus, seed: 0x5EED_CAFE &+ UInt64(k), cases: range) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        var log = FuzzLog()
        for shard in shards { log.merge(shard.0) }
        let operations = shards.reduce(into: Set<Mutator.Operation>()) { $0.formUnion($1.1) }
        let reasons = shards.reduce(into: Set<String>()) { $0.formUnion($1.2.keys) }
        print("replay fuzz: \(cases) cases in \(ContinuousClock.now - start): \(log.summary)")
        #expect(
            log.failures.isEmpty, "\(log.failureCount) failures, the first:\n\(log.failures.joined(separator: "\n"))")
        #expect(reasons.isSubset(of: FuzzTests.reasons), "\(reasons)")
        #expect(log.outcomes["all ticks", default: 0] >= cases / 10)
        #expect(operations.count == Mutator.Operation.allCases.count || cases < 1_000)
    }

    /// Cases `cases` of a run: outcomes, the mutations used, and the core's rejections by reason.
    static func run(corpus: [[UInt8]], seed: UInt64, cases: Range<Int>) async -> (
        FuzzLog, Set<Mutator.Operation>, [String: Int]
    ) {
        var mutator = Mutator(corpus: corpus, seed: seed, maxSize: 4_096)
        var log = FuzzLog()
        // One core for every file (ordering forgotten between files), as ReplayFeed gives it a file's items.
        let core = FeedCore(name: "fuzz-replay")
        var delivered = core.ticks().makeAsyncIterator()
        var before = core.counters
        for n in cases {
            // Every 64 cases the pool's thread goes to whatever else waits: on 2 cores two shards
            // would otherwise hold both of its threads for the whole run, and the async tests
            // beside them (the live loop's, the end-to-end ones) time out.
            if n % 64 == 0 { await Task.yield() }
            let input = n % 10 == 0 ? mutator.unmodified(n / 10) : mutator.next()
            let text = input.text
            let source: ReplaySource
            do throws(FeedError) {
                source = try ReplaySource.parse(text, file: "fuzz.csv")
            } catch {
                if error.code != .badFile || error.file != "fuzz.csv" || error.message.isEmpty {
                    log.fail("unnamed error \(error.code) \(error)", case: n, input: input)
                }
                if FuzzLog.hasControl(error.description) {
                    log.fail(
                        "error text has a control character: \(error.description.debugDescription)", case: n,
                        input: input)
                }
                log.count("bad_file")
                continue
            }
            core.resetOrdering()
            var emitted = 0
            var last: [String: Double] = [:]
            let isCSV = text.first { $0 != " " && $0 != "\n" && $0 != "\r" && $0 != "\t" } != "{"
            let days = isCSV ? Self.dates(input.bytes) : []
            for item in source.items {
                switch item {
                case .rejected(let r):
                    if let problem = FuzzTests.rejectionProblem([r]) { log.fail(problem, case: n, input: input) }
                    core.reject(r)
                case .price(let p):
                    let tick = PriceUpdate(
                        symbol: p.symbol, kind: p.kind, value: p.value, exchangeTime: p.exchangeTime, receiveTime: 0)
                    guard core.emit(tick) else { continue }
                    emitted += 1
                    guard let tick = await delivered.next() else {
                        log.fail("the tick stream ended", case: n, input: input)
                        break
                    }
                    if let problem = FuzzTests.tickProblem(tick, last: &last) {
                        log.fail(problem, case: n, input: input)
                    }
                    // A CSV row's time falls on the day its date field names.
                    let day = Timestamp.format(tick.exchangeTime).prefix(10).split(separator: "-").compactMap {
                        Int($0)
                    }
                    if isCSV, !days.contains(day) {
                        log.fail(
                            "a row became a tick at \(Timestamp.format(tick.exchangeTime)), a day the file does not name",
                            case: n, input: input)
                    }
                }
            }
            let after = core.counters
            let messages = after.messages - before.messages
            let ticks = after.ticks - before.ticks
            let rejected = after.rejectedTotal - before.rejectedTotal
            before = after
            if messages != source.items.count || ticks != emitted || ticks + rejected != messages {
                log.fail(
                    "\(source.items.count) items counted as \(ticks) ticks and \(rejected) rejections", case: n,
                    input: input)
            }
            log.count(messages == 0 ? "empty" : ticks == messages ? "all ticks" : ticks == 0 ? "all rejected" : "mixed")
            if input.operations.isEmpty, ticks == 0 || rejected != 0 {
                log.fail(
                    "an unmodified file did not replay cleanly: \(ticks) ticks, \(rejected) rejections", case: n,
                    input: input)
            }
        }
        return (log, Set(mutator.applied.keys), core.counters.rejected)
    }

    /// Whether `bytes` holds `text`'s UTF-8 (Foundation's `String.contains` is slow on Linux).
    static func contains(_ bytes: [UInt8], _ text: String) -> Bool {
        let pattern = Array(text.utf8)
        guard let first = pattern.first, bytes.count >= pattern.count else { return pattern.isEmpty }
        var i = 0
        while i + pattern.count <= bytes.count {
            if bytes[i] == first && bytes[i..<(i + pattern.count)].elementsEqual(pattern) { return true }
            i += 1
        }
        return false
    }

    /// The civil dates (year, month, day) written in `bytes`: any `Y-M-D` of digits.
    static func dates(_ b: [UInt8]) -> Set<[Int]> {
        var out: Set<[Int]> = []
        var i = 0
        func number(_ k: inout Int) -> Int? {
            let start = k
            var v = 0
            while k < b.count, b[k] >= 0x30, b[k] <= 0x39, k - start < 6 {
                v = v * 10 + Int(b[k] - 0x30)
                k += 1
            }
            return k > start ? v : nil
        }
        while i < b.count {
            var k = i
            if let y = number(&k), k < b.count, b[k] == UInt8(ascii: "-") {
                k += 1
                if let m = number(&k), k < b.count, b[k] == UInt8(ascii: "-") {
                    k += 1
                    if let d = number(&k) { out.insert([y, m, d]) }
                }
            }
            i += 1
        }
        return out
    }
}
