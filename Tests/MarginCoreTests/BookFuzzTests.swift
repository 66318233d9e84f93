import Foundation
import FuzzTestSupport
import Testing
import ThreadTestSupport

@testable import MarginCore

/// The book decoder under 100,000 mutated books (`MARGINTOP_FUZZ_CASES` to change; the seed is
/// fixed): no trap, and every case ends in a book that passes an independent check of
/// book-format.md's rules, or a ``BookError`` whose path names a place in the document (or whose
/// line and column point into it) and whose text carries no control character.
@Suite struct BookFuzzTests {
    /// Small books that between them use every part of the format, and the worked example.
    static func corpus() throws -> [[UInt8]] {
        let small = [
            #"{"format":"margintop.book/1","asOf":"2026-11-24T12:00:00Z","assets":{},"instruments":{},"accounts":[]}"#,
            #"""
            {"format":"margintop.book/1","asOf":"2026-11-24T12:00:00.250+01:00","quote":"USDT","insuranceFund":1e6,
             "defaults":{"model":"portfolio","warn":0.6,"danger":0.8,"shortOption":{"imBase":0.2},
               "portfolio":{"extremeMultiple":2,"somc":0},"volFactorMax":2,"staleAfterSeconds":10},
             "assets":{"USDT":{"stable":true,"haircut":0.01},"ETH":{"price":3000,"vol":0.7,"scanRange":0.2,"volScanRange":0.1}},
             "venues":{"dex":{"haircutAddOn":0.02,"transferLatencySeconds":900}},
             "instruments":{"ETH-C":{"kind":"option","underlying":"ETH","right":"call","strike":3200,
                                     "expiry":"2027-03-26T08:00:00Z","contractSize":0.1},
                            "ETH-F":{"kind":"future","underlying":"ETH","expiry":"2027-03-26T08:00:00Z","mark":3010,
                                     "brackets":[{"upTo":5e5,"imf":0.03,"mmf":0.015},{"upTo":null,"imf":0.1,"mmf":0.05}]}},
             "accounts":[{"id":"P-1","model":"standard","subaccounts":[
               {"id":"main","collateral":[{"asset":"USDT","amount":-5000.5,"venue":"dex"},{"asset":"ETH","amount":3}],
                "positions":[{"instrument":"ETH-C","quantity":-20,"entryPrice":95.5},
                             {"instrument":"ETH-F","quantity":4,"entryPrice":2990,"isolatedCollateral":2000}]},
               {"id":"b","positions":[]}]},
              {"id":"P-2","name":"Beta","collateral":[{"asset":"ETH","amount":1}]}]}
            """#,
            #"""
            {"format":"margintop.book/1","asOf":"2026-11-24T12:00:00Z","defaults":{"model":"es","es":{"horizonDays":1,"imMultiplier":1.5}},
             "assets":{"USDC":{"price":1,"stable":true},"BTC":{"price":60000,"vol":0.55,"haircut":0.05,"borrowAddOn":0.1}},
             "instruments":{"BTC-P":{"kind":"option","underlying":"BTC","right":"put","strike":50000,"expiry":"2027-01-29T08:00:00Z","iv":0.62}},
             "history":{"dates":["2026-11-20","2026-11-21","2026-11-22"],"returns":{"BTC":[-0.031,0.012,0],"USDC":[0,0,-0.0001]}},
             "accounts":[{"id":"E-1","collateral":[{"asset":"BTC","amount":0.5}],
                          "positions":[{"instrument":"BTC-P","quantity":2,"entryPrice":1200}]}]}
            """#,
        ].map { Array($0.utf8) }
        return small + [try fixtureBytes("watch-book.json"), try fixtureBytes("example-book.json")]
    }

    @Test func hundredThousandBooks() async throws {
        let cases = FuzzLog.cases
        let start = ContinuousClock.now
        let corpus = try Self.corpus()
        // Each shard on a thread of its own: as tasks, two shards would hold both of the pool's
        // threads for the whole run (a minute and more in a debug build) and starve the async
        // tests beside them.
        let shards = try await withThrowingTaskGroup(of: (FuzzLog, Set<Mutator.Operation>).self) { group in
            for (k, range) in FuzzLog.shards(cases).enumerated() {
                group.addTask {
                    try await offThread { Self.run(corpus: corpus, seed: 0x0B00_C0DE &+ UInt64(k), cases: range) }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        var log = FuzzLog()
        for shard in shards { log.merge(shard.0) }
        let operations = shards.reduce(into: Set<Mutator.Operation>()) { $0.formUnion($1.1) }
        print(
            "book fuzz: \(cases) cases in \(ContinuousClock.now - start): \(log.summary); \(operations.count) kinds of mutation"
        )
        #expect(
            log.failures.isEmpty, "\(log.failureCount) failures, the first:\n\(log.failures.joined(separator: "\n"))")
        #expect(log.outcomes["accepted", default: 0] >= cases / 20, "the corpus itself decodes")
        #expect(operations.count == Mutator.Operation.allCases.count || cases < 1_000)
    }

    /// Cases `cases` of a run: what they ended in, and which mutations made them.
    static func run(corpus: [[UInt8]], seed: UInt64, cases: Range<Int>) -> (FuzzLog, Set<Mutator.Operation>) {
        // The worked example is half the corpus's bytes: mutated a quarter as often as the others.
        var mutator = Mutator(corpus: corpus, seed: seed, depths: [511, 512, 513], weights: [4, 4, 4, 4, 1])
        var log = FuzzLog()
        for n in cases {
            let input = n % 20 == 0 ? mutator.unmodified(n / 20) : mutator.next()
            // Parsed once: syntax errors are checked here (every tenth also through the bytes entry
            // point), documents go to the decoder and serve the path check.
            let document: JSONValue
            do throws(JSONSyntaxError) {
                document = try JSONParser.parse(input.bytes)
            } catch {
                var wrapped = BookError(
                    file: "fuzz.json", path: error.path, message: error.message, line: error.line, column: error.column)
                if n % 10 == 0 {
                    do throws(BookError) {
                        _ = try BookDecoder.decode(input.bytes, file: "fuzz.json")
                        log.fail("accepted what JSONParser refused: \(error)", case: n, input: input)
                    } catch let e {
                        if e != wrapped {
                            log.fail("the syntax error became \(e), not \(wrapped)", case: n, input: input)
                        }
                        wrapped = e
                    }
                }
                if let problem = Self.problem(wrapped, nil, file: "fuzz.json") {
                    log.fail(problem, case: n, input: input)
                }
                log.count("syntax error")
                continue
            }
            let whole = n % 10 == 0
            do throws(BookError) {
                let book =
                    whole ? try BookDecoder.decode(input.bytes, file: "fuzz.json") : try BookDecoder.decode(document)
                if let problem = BookCheck.problem(book) {
                    log.fail("accepted an invalid book: \(problem)", case: n, input: input)
                }
                log.count("accepted")
            } catch {
                if let problem = Self.problem(error, document, file: whole ? "fuzz.json" : nil) {
                    log.fail(problem, case: n, input: input)
                }
                log.count(error.line == nil ? "rejected" : "syntax error")
            }
        }
        return (log, Set(mutator.applied.keys))
    }

    /// Nesting at the parser's limit (512 levels) and far past it, on a test's (cooperative) thread
    /// in a debug build: a named error, never a stack overflow. The fuzzer goes there only rarely.
    @Test(arguments: [1, 2, 511, 512, 513, 100_000])
    func nestingAtTheLimit(depth: Int) throws {
        let text =
            #"{"format":"margintop.book/1","asOf":"2026-11-24T12:00:00Z","assets":{},"instruments":{},"accounts":"#
            + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"
        do throws(BookError) {
            let book = try BookDecoder.decode(text, file: "deep.json")
            #expect(depth == 1 && book.accounts.isEmpty)
        } catch {
            #expect(!FuzzLog.hasControl(error.description))
            if depth >= 512 {
                #expect(error.message == "nesting deeper than 512 levels" && error.line == 1)
                #expect(error.path == "accounts" + String(repeating: "[0]", count: 511), "\(error.path.count)")
            } else {
                #expect(error.description == "deep.json: accounts[0]: expected an object, found an array")
            }
        }
    }

    /// What is wrong with a rejection, or nil: a message, no control character, and a path
    /// that names a place in the document (an existing value, or a missing key of an object).
    static func problem(_ e: BookError, _ document: JSONValue?, file: String?) -> String? {
        if FuzzLog.hasControl(e.description) {
            return "error text has a control character: \(e.description.debugDescription)"
        }
        guard !e.message.isEmpty, e.file == file else { return "error without a message or file: \(e)" }
        if let line = e.line, let column = e.column {
            guard document == nil else { return "a syntax error for a document that parses: \(e)" }
            guard line >= 1, column >= 1, e.path.isEmpty || JSONPathReader.components(e.path) != nil else {
                return "syntax error at line \(line), column \(column), path \(e.path)"
            }
            return nil
        }
        guard let document else { return "a non-syntax error for unparsable JSON: \(e)" }
        guard let components = JSONPathReader.components(e.path) else { return "unreadable path: \(e)" }
        guard JSONPathReader.resolves(components, in: document) else {
            return "path names no place in the document: \(e)"
        }
        return nil
    }
}

/// Reads back the paths ``JSONPath`` writes: `accounts[3].positions[0].instrument`, `assets["B TC"]`.
enum JSONPathReader {
    enum Component: Equatable {
        case key(String)
        case index(Int)
    }

    static func components(_ path: String) -> [Component]? {
        let b = Array(path.utf8)
        var out: [Component] = []
        var i = 0
        func identifier() -> String? {
            let start = i
            while i < b.count, b[i] != UInt8(ascii: "."), b[i] != UInt8(ascii: "[") { i += 1 }
            return i > start ? String(decoding: b[start..<i], as: UTF8.self) : nil
        }
        if i < b.count, b[i] != UInt8(ascii: "[") {
            guard let k = identifier() else { return nil }
            out.append(.key(k))
        }
        while i < b.count {
            if b[i] == UInt8(ascii: ".") {
                i += 1
                guard let k = identifier() else { return nil }
                out.append(.key(k))
            } else if b[i] == UInt8(ascii: "["), i + 1 < b.count, b[i + 1] == UInt8(ascii: "\"") {
                // A JSON string literal, then `]`.
                var j = i + 2
                while j < b.count, b[j] != UInt8(ascii: "\"") { j += b[j] == UInt8(ascii: "\\") ? 2 : 1 }
                guard j + 1 < b.count, b[j + 1] == UInt8(ascii: "]"),
                    case .string(let k)? = try? JSONParser.parse(Array(b[(i + 1)...j]))
                else { return nil }
                out.append(.key(k))
                i = j + 2
            } else if b[i] == UInt8(ascii: "[") {
                var j = i + 1
                while j < b.count, b[j] >= 0x30, b[j] <= 0x39 { j += 1 }
                guard j < b.count, b[j] == UInt8(ascii: "]"),
                    let n = Int(String(decoding: b[(i + 1)..<j], as: UTF8.self))
                else { return nil }
                out.append(.index(n))
                i = j + 1
            } else {
                return nil
            }
        }
        return out
    }

    /// Whether the path leads to a value, or to a key missing from an object that is there.
    static func resolves(_ path: [Component], in root: JSONValue) -> Bool {
        var v = root
        for (n, c) in path.enumerated() {
            switch c {
            case .key(let k):
                guard case .object = v else { return false }
                guard let next = v[k] else { return n == path.count - 1 }
                v = next
            case .index(let i):
                guard case .array(let items) = v, items.indices.contains(i) else { return false }
                v = items[i]
            }
        }
        return true
    }
}

/// book-format.md's rules, checked on a decoded ``Book`` without the decoder's code: what an
/// accepted book must satisfy.
enum BookCheck {
    static func problem(_ book: Book) -> String? {
        var p: [String] = []
        func need(_ ok: Bool, _ what: @autoclosure () -> String) { if !ok { p.append(what()) } }
        func finite(_ x: Double?, _ what: String, _ ok: (Double) -> Bool = { _ in true }) {
            if let x { need(x.isFinite && ok(x), "\(what) \(x)") }
        }
        func time(_ t: Timestamp?, _ what: String) {
            if let t { need(Timestamp.isRepresentable(t.epochSeconds), "\(what) \(t.text) at \(t.epochSeconds) s") }
        }
        time(book.asOf, "asOf")
        need(!book.quote.isEmpty, "empty quote")
        finite(book.insuranceFund, "insuranceFund") { $0 >= 0 }
        let d = book.defaults
        finite(d.warn, "warn")
        finite(d.danger, "danger")
        for (x, name) in [
            (d.shortOption.imBase, "imBase"), (d.shortOption.imFloor, "imFloor"), (d.shortOption.mm, "mm"),
            (d.portfolio.extremeMultiple, "extremeMultiple"), (d.portfolio.extremeCover, "extremeCover"),
            (d.portfolio.somc, "somc"), (d.portfolio.imMultiplier, "imMultiplier"), (d.es.horizonDays, "horizonDays"),
            (d.es.imMultiplier, "es.imMultiplier"),
        ] {
            finite(x, name) { $0 >= 0 }
        }
        finite(d.volFactorMax, "volFactorMax") { $0 > 0 }
        finite(d.staleAfterSeconds, "staleAfterSeconds") { $0 > 0 }
        let assets = Set(book.assets.map(\.name))
        need(assets.count == book.assets.count && !assets.contains(""), "asset names")
        for a in book.assets {
            need(a.price != nil || a.stable, "asset \(a.name) without price")
            finite(a.price, "price") { $0 > 0 }
            finite(a.haircut, "haircut") { $0 >= 0 && $0 <= 1 }
            for (x, name) in [(a.borrowAddOn, "borrowAddOn"), (a.vol, "vol"), (a.scanRange, "scanRange")] {
                finite(x, name) { $0 >= 0 }
            }
            finite(a.volScanRange, "volScanRange") { $0 >= 0 }
        }
        let venues = Set(book.venues.map(\.name))
        need(venues.count == book.venues.count && !venues.contains(""), "venue names")
        for v in book.venues {
            finite(v.haircutAddOn, "haircutAddOn") { $0 >= 0 }
            finite(v.transferLatencySeconds, "transferLatencySeconds") { $0 >= 0 }
        }
        let instruments = Set(book.instruments.map(\.name))
        need(instruments.count == book.instruments.count && !instruments.contains(""), "instrument names")
        for i in book.instruments {
            need(assets.contains(i.underlying), "\(i.name) underlying \(i.underlying)")
            finite(i.contractSize, "contractSize") { $0 > 0 }
            switch i.kind {
            case .perpetual, .future:
                finite(i.mark, "mark") { $0 > 0 }
                need(!i.brackets.isEmpty && i.brackets.last?.upTo == nil, "\(i.name) brackets")
                var previous = 0.0
                for (k, br) in i.brackets.enumerated() {
                    finite(br.imf, "imf") { $0 >= 0 }
                    finite(br.mmf, "mmf") { $0 >= 0 }
                    if k < i.brackets.count - 1 {
                        guard let u = br.upTo else {
                            p.append("\(i.name) bracket \(k) open")
                            continue
                        }
                        need(u.isFinite && u > previous, "\(i.name) upTo \(u) after \(previous)")
                        previous = u
                    }
                }
                need(i.right == nil && i.strike == nil && i.iv == nil, "\(i.name) option fields")
                need((i.expiry != nil) == (i.kind == .future), "\(i.name) expiry")
                time(i.expiry, "\(i.name) expiry")
            case .option:
                need(i.right != nil && i.brackets.isEmpty && i.mark == nil, "\(i.name) option shape")
                need(i.strike.map { $0.isFinite && $0 > 0 } ?? false, "\(i.name) strike")
                need(i.expiry != nil, "\(i.name) expiry missing")
                time(i.expiry, "\(i.name) expiry")
                finite(i.iv, "iv") { $0 >= 0 }
                need(i.iv != nil || book.asset(named: i.underlying)?.vol != nil, "\(i.name) has no vol")
            }
        }
        if let h = book.history {
            need(h.dates.allSatisfy(Timestamp.isValidDate), "history dates")
            for r in h.returns {
                need(assets.contains(r.asset), "returns of \(r.asset)")
                need(r.values.count == h.dates.count && r.values.allSatisfy(\.isFinite), "returns of \(r.asset)")
            }
            need(Set(h.returns.map(\.asset)).count == h.returns.count, "returns assets repeat")
        }
        need(Set(book.accounts.map(\.id)).count == book.accounts.count, "account ids repeat")
        for a in book.accounts {
            need(!a.id.isEmpty, "empty account id")
            need(Set(a.subaccounts.map(\.id)).count == a.subaccounts.count, "\(a.id) sub-account ids repeat")
            if (a.model ?? d.model) == .es {
                need(!(book.history?.dates.isEmpty ?? true), "\(a.id) es without history")
            }
            for s in a.subaccounts {
                need(!s.id.isEmpty, "\(a.id) empty sub-account id")
                for c in s.collateral {
                    need(assets.contains(c.asset) && (c.venue.map(venues.contains) ?? true), "\(a.id) collateral")
                    finite(c.amount, "amount")
                }
                for q in s.positions {
                    need(instruments.contains(q.instrument), "\(a.id) position \(q.instrument)")
                    finite(q.quantity, "quantity")
                    finite(q.entryPrice, "entryPrice")
                    finite(q.isolatedCollateral, "isolatedCollateral") { $0 >= 0 }
                }
            }
        }
        return p.isEmpty ? nil : p.joined(separator: "; ")
    }
}
