import Foundation
import FuzzTestSupport
import Testing

@testable import MarginCore

/// The one-pass book decoder (``BookStreamDecoder``) against the tree decoder it stands in for
/// (``BookDecoder/decodeTree(utf8:file:)``): where it accepts a document, the tree decoder accepts
/// it too and gives the same book, to the bit of every number; everywhere else
/// ``BookDecoder/decode(_:file:)-([UInt8],_)`` gives the tree decoder's error, word for word.
@Suite struct BookStreamDecoderTests {
    /// The fast path's book, or nil where it gives up.
    static func fast(_ bytes: [UInt8]) -> Book? {
        bytes.withUnsafeBufferPointer { BookStreamDecoder.decode($0) }
    }

    static func tree(_ bytes: [UInt8], file: String? = nil) -> Result<Book, BookError> {
        bytes.withUnsafeBufferPointer { b in
            Result { () throws(BookError) -> Book in try BookDecoder.decodeTree(utf8: b, file: file) }
        }
    }

    static func entry(_ bytes: [UInt8], file: String? = nil) -> Result<Book, BookError> {
        Result { () throws(BookError) -> Book in try BookDecoder.decode(bytes, file: file) }
    }

    /// Equal books, and the same encoding (which tells -0 from 0 and every last digit).
    static func same(_ a: Book, _ b: Book) -> Bool {
        a == b && BookEncoder.encode(a, pretty: false) == BookEncoder.encode(b, pretty: false)
            && bits(a) == bits(b)
    }

    /// Every line number's bit pattern, in order.
    static func bits(_ b: Book) -> [UInt64] {
        var out: [UInt64] = []
        for a in b.accounts {
            for s in a.subaccounts {
                for c in s.collateral { out.append(c.amount.bitPattern) }
                for p in s.positions {
                    out += [p.quantity.bitPattern, p.entryPrice.bitPattern, p.isolatedCollateral?.bitPattern ?? 7]
                }
            }
        }
        return out
    }

    static func describe(_ r: Result<Book, BookError>) -> String {
        switch r {
        case .success(let b): return "a book of \(b.accounts.count) accounts"
        case .failure(let e): return e.description
        }
    }

    /// One input through the three: returns what is wrong, or nil.
    static func problem(_ bytes: [UInt8]) -> String? {
        let reference = tree(bytes, file: "f.json")
        if let book = fast(bytes) {
            guard case .success(let expected) = reference else {
                return "the fast path accepted what the tree decoder refuses: \(describe(reference))"
            }
            if !same(book, expected) { return "the fast path's book differs from the tree decoder's" }
        }
        switch (entry(bytes, file: "f.json"), reference) {
        case (.success(let a), .success(let b)): return same(a, b) ? nil : "decode's book differs"
        case (.failure(let a), .failure(let b)): return a == b ? nil : "decode said \(a), the tree decoder \(b)"
        case (let a, let b): return "decode gave \(describe(a)), the tree decoder \(describe(b))"
        }
    }

    /// A demo book's text, small enough for many mutations.
    static func demo(_ accounts: Int, pretty: Bool = false) -> [UInt8] {
        Array(BookEncoder.encode(DemoBook.generate(accounts: accounts, seed: 7), pretty: pretty).utf8)
    }

    @Test func demoBooksTakeTheFastPath() throws {
        for pretty in [false, true] {
            let bytes = Self.demo(300, pretty: pretty)
            let book = try #require(Self.fast(bytes), "pretty: \(pretty)")
            let expected = try Self.tree(bytes).get()
            #expect(book.accounts.count == 300)
            #expect(Self.same(book, expected))
        }
        for name in ["example-book.json", "watch-book.json", "selloff-book.json"] {
            let bytes = try fixtureBytes(name)
            let book = try #require(Self.fast(bytes), "\(name)")
            #expect(Self.same(book, try Self.tree(bytes).get()), "\(name)")
        }
    }

    /// The fuzz corpus of ``BookFuzzTests`` and a small demo book, mutated: the fast path never
    /// accepts more than the tree decoder, nor gives another book or error.
    @Test func mutatedBooksDecodeAsTheTreeDecoderDoes() throws {
        let corpus = try BookFuzzTests.corpus()
        let cases = max(2_000, FuzzLog.cases / 10)
        var mutator = Mutator(corpus: corpus, seed: 0x57BE_A4, depths: [511, 512, 513])
        var failures: [String] = []
        var fastAccepted = 0
        for n in 0..<cases {
            let input = n % 20 == 0 ? mutator.unmodified(n / 20) : mutator.next()
            if let p = Self.problem(input.bytes) {
                failures.append("case \(n) (\(input.operations)): \(p)\n\(FuzzLog.show(input.bytes))")
            }
            if Self.fast(input.bytes) != nil { fastAccepted += 1 }
        }
        #expect(failures.isEmpty, "\(failures.count) failures, the first: \(failures.first ?? "")")
        #expect(fastAccepted >= cases / 20, "the fast path took \(fastAccepted) of \(cases)")
    }

    /// A small book cut at every byte: an error (never a trap, never a book), the tree decoder's.
    @Test func truncatedAtEveryByte() throws {
        let bytes = try BookFuzzTests.corpus()[1]
        #expect(Self.fast(bytes) != nil)
        for end in 0..<bytes.count {
            let cut = Array(bytes[..<end])
            let accepted = Self.fast(cut) != nil
            #expect(!accepted, "cut at \(end)")
            guard case .failure(let e) = Self.entry(cut, file: "cut.json") else {
                Issue.record("a book cut at \(end) decoded")
                continue
            }
            #expect(Self.tree(cut, file: "cut.json") == .failure(e), "cut at \(end)")
        }
    }

    static let head =
        #"{"format":"margintop.book/1","asOf":"2026-11-24T12:00:00Z","assets":{"USDC":{"stable":true},"# + "\n"
        + #""BTC":{"price":60000,"vol":0.5},"\u00e9":{"price":2}},"venues":{"dex":{}},"#
        + #""instruments":{"BTC-PERP":{"kind":"perpetual","underlying":"BTC","#
        + #""brackets":[{"upTo":null,"imf":0.1,"mmf":0.05}]}},"accounts":"#

    static func book(_ accounts: String) -> [UInt8] { Array((head + accounts + "}").utf8) }

    /// Escapes, control characters and other spellings of names, each decoded as the tree decoder
    /// decodes it (accepted or not, the same book or error).
    @Test(arguments: [
        #"[{"id":"a\u001b[31m","name":"\t tab \"q\" \\ \/ \u00e9 \ud83d\ude00","collateral":[{"asset":"USDC","amount":1}]}]"#,
        #"[{"id":"a","collateral":[{"asset":"US\u0044C","amount":1,"venue":"d\u0065x"}]}]"#,
        #"[{"id":"a","positions":[{"instrument":"BTC\u002dPERP","quantity":1,"entryPrice":2}]}]"#,
        // The asset "é" written precomposed, decomposed and escaped: one name to String equality.
        #"[{"id":"a","collateral":[{"asset":"é","amount":1},{"asset":"é","amount":2},{"asset":"\u00e9","amount":3}]}]"#,
        #"[{"\u0069d":"a"}]"#, #"[{"id":"a","id":"b"}]"#, #"[{"id":"a\u0000"}]"#, "[{\"id\":\"a\u{1}\"}]",
        "[{\"id\":\"\u{7f}\u{85}\"}]", #"[{"id":"a","name":null}]"#, #"[{"id":""}]"#, #"[{"id":"a"},{"id":"a"}]"#,
        "[{\"id\":\"\u{65}\u{301}\"},{\"id\":\"\u{e9}\"}]", #"[{"id":"a","collateral":[{"asset":"XRP","amount":1}]}]"#,
        #"[{"id":"a","collateral":[{"asset":"USDC","amount":1,"venue":null}]}]"#,
        #"[{"id":"a","subaccounts":[{"id":"x"},{"id":"x"}]}]"#,
        #"[{"id":"a","subaccounts":[{"id":"x","positions":[]}],"collateral":[]}]"#,
        #"[{"id":"a","collateral":[],"subaccounts":[{"id":"x"}]}]"#,
        #"[{"id":"a","positions":[{"instrument":"BTC-PERP","quantity":1,"entryPrice":2,"isolatedCollateral":-0.0}]}]"#,
        #"[{"id":"a","positions":[{"instrument":"BTC-PERP","quantity":1,"entryPrice":2,"isolatedCollateral":-1}]}]"#,
        #"[{"id":"a","positions":[{"instrument":"BTC-PERP","quantity":1e999,"entryPrice":2}]}]"#,
        #"[{"id":"a","positions":[{"instrument":"BTC-PERP","quantity":1.7e308,"entryPrice":2}]}]"#,
        #"[{"id":"a","positions":[{"instrument":"BTC-PERP","quantity":-0,"entryPrice":-0.0e-400}]}]"#,
        #"[{"id":"a","positions":[{"entryPrice":2,"quantity":1,"instrument":"BTC-PERP"}]}]"#,
        #"[{"id":"a","model":"es"}]"#, #"[{"id":"a","model":"Standard"}]"#, #"[{"id":"a","extra":1}]"#,
        "[ { \"id\" : \"a\" , \"collateral\" : [ { \"asset\" : \"BTC\" , \"amount\" : 1 } ] } ]\n",
        // Duplicate ids: in order, out of order, after the order breaks, canonically equal (the
        // Kelvin sign is K to String equality), escaped.
        #"[{"id":"a1"},{"id":"a2"},{"id":"a2"}]"#, #"[{"id":"b"},{"id":"a"},{"id":"b"}]"#,
        #"[{"id":"a1"},{"id":"a2"},{"id":"a3"},{"id":"a0"},{"id":"a4"},{"id":"a1"}]"#,
        #"[{"id":"9"},{"id":"10"},{"id":"K"},{"id":"K"}]"#, #"[{"id":"K"},{"id":"A"},{"id":"K"}]"#,
        #"[{"id":"x"},{"id":"x"}]"#,
        #"[{"id":"a","name":"Halcyon Partners Ltd"},{"id":"b","name":"Halcyon Partners Ltd"},{"id":"c","name":"Halcyon Partners Ltd"}]"#,
        #"[{"id":"a"}],"history":{"dates":[],"returns":{}}"#, #"[{"id":"a"}],"accounts":[]"#, #"[]"#, #"{}"#,
        "[" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "]",
        #"[{"id":"a","name":"# + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "}]",
    ])
    func namesAndEdges(accounts: String) {
        #expect(Self.problem(Self.book(accounts)) == nil)
    }

    /// A demo book's accounts shuffled (the ids out of order), then with one id repeated far from
    /// its first: the shuffled book is accepted, the repeated one refused as the tree decoder does.
    @Test func duplicateIdsOutOfOrder() throws {
        var book = DemoBook.generate(accounts: 3_000, seed: 3)
        var rng = SplitMix64(seed: 5)
        for i in stride(from: book.accounts.count - 1, to: 0, by: -1) {
            book.accounts.swapAt(i, Int(rng.next() % UInt64(i + 1)))
        }
        let shuffled = Array(BookEncoder.encode(book, pretty: false).utf8)
        let decoded = try #require(Self.fast(shuffled))
        #expect(Self.same(decoded, try Self.tree(shuffled).get()))
        book.accounts[2_500].id = book.accounts[17].id
        let repeated = Array(BookEncoder.encode(book, pretty: false).utf8)
        #expect(Self.fast(repeated) == nil)
        #expect(Self.problem(repeated) == nil)
        guard case .failure(let e) = Self.entry(repeated) else {
            Issue.record("a repeated id was accepted")
            return
        }
        #expect(e.path == "accounts[2500].id" && e.message.hasPrefix("duplicate account id"))
    }

    /// The storage of a string longer than 15 bytes (which String keeps on the heap).
    static func storage(_ s: String) -> UnsafeRawPointer? {
        var s = s
        return s.withUTF8 { UnsafeRawPointer($0.baseAddress) }
    }

    /// Account names that repeat share one string; a book whose first names hardly repeat stops
    /// looking them up (a lookup costs more than the rare shared string saves: the demo books' names
    /// are 83% unique), so its later repeats are strings of their own. Both decode as the tree
    /// decoder does.
    @Test func repeatedNamesShareAStringUntilTheyStopRepeating() throws {
        let names = ["Halcyon Partners Ltd", "Yarrow Desk Holdings", "Sable Arbitrage Fund"]
        let repeating = (0..<6_000).map { #"{"id":"a\#($0)","name":"\#(names[$0 % 3])"}"# }
        let bytes = Self.book("[" + repeating.joined(separator: ",") + "]")
        let book = try #require(Self.fast(bytes))
        #expect(Self.same(book, try Self.tree(bytes).get()))
        #expect(Set(book.accounts.map { Self.storage($0.name!) }).count == 3)

        // 5,000 names each met once, then the first three again, 300 times each.
        let unique = (0..<5_000).map { #"{"id":"b\#($0)","name":"Unique Trading Desk \#($0)"}"# }
        let again = (0..<900).map { #"{"id":"c\#($0)","name":"Unique Trading Desk \#($0 % 3)"}"# }
        let late = Self.book("[" + (unique + again).joined(separator: ",") + "]")
        let lateBook = try #require(Self.fast(late))
        #expect(Self.same(lateBook, try Self.tree(late).get()))
        #expect(Set(lateBook.accounts[5_000...].map { Self.storage($0.name!) }).count == 900)
    }

    /// The fast path takes names with escapes and other spellings (a book with one such name
    /// does not fall back to the slow decoder), and keeps each as written.
    @Test func escapedNamesStayOnTheFastPath() throws {
        let bytes = Self.book(
            #"[{"id":"a\u001b","name":"O\"Neil","collateral":[{"asset":"e\u0301","amount":1},{"asset":"\u00e9","amount":2}]}]"#
        )
        let book = try #require(Self.fast(bytes))
        #expect(book.accounts[0].id == "a\u{1b}" && book.accounts[0].name == "O\"Neil")
        #expect(
            book.accounts[0].subaccounts[0].collateral.map { Array($0.asset.utf8) } == [
                [0x65, 0xCC, 0x81], [0xC3, 0xA9],
            ])
    }

    /// Numbers converted from their bytes give the same double as `Double(text)`, over lengths,
    /// exponents and the fast path's edges (2^53, 19 digits, 10^±22).
    @Test func numbersMatchDoubleParsing() throws {
        var rng = SplitMix64(seed: 99)
        var texts = [
            "0", "-0", "0.0", "-0.0", "1", "-1", "9007199254740992", "9007199254740993", "9007199254740991.5",
            "1234567890123456789", "12345678901234567890", "0.1", "0.3", "1e22", "1e23", "1e-22", "1e-23",
            "123456789e-22", "4.9e-324", "5e-324", "2.2250738585072014e-308", "1.7976931348623157e308",
            "0.000000000000000000000000001", "1.00000000000000000000", "100000000000000000000000", "3.14159E+2",
            "9848.72", "125000000000.0", "-230.799", "0e99999999999", "1E-0", "7e+022",
        ]
        for _ in 0..<20_000 {
            let digits = 1 + Int(rng.next() % 21)
            var t = rng.next() % 2 == 0 ? "-" : ""
            t += String(1 + rng.next() % 9)
            for _ in 1..<digits { t += String(rng.next() % 10) }
            if rng.next() % 2 == 0 {
                let point = Int(rng.next() % UInt64(t.count))
                if point > (t.hasPrefix("-") ? 1 : 0) {
                    t.insert(".", at: t.index(t.startIndex, offsetBy: point))
                }
            }
            if rng.next() % 3 == 0 { t += "e" + String(Int(rng.next() % 61) - 30) }
            texts.append(t)
        }
        for t in texts {
            let expected = try #require(Double(t), "\(t)")
            let parsed = try JSONParser.parse("[\(t)]")
            guard case .array(let items) = parsed, case .number(let x) = items[0] else {
                Issue.record("\(t) parsed as \(parsed)")
                continue
            }
            #expect(x.bitPattern == expected.bitPattern, "\(t): \(x) vs \(expected)")
        }
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse("1e400") }
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse("-1e99999999999") }
    }

    /// A file: the same book as from its bytes; an invalid one the same error, naming the file;
    /// what is not a regular readable file is left to the caller (nil).
    @Test func decodesFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "bookfile-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("good.json").path
        let bytes = Self.demo(500)
        try Data(bytes).write(to: URL(fileURLWithPath: good))
        let book = try #require(try BookDecoder.decode(fileAtPath: good))
        #expect(Self.same(book, try Self.tree(bytes).get()))

        // Broken near the end, after much has been read (and released): the tree decoder's error.
        var broken = bytes
        broken[broken.count - 40] = UInt8(ascii: "#")
        let bad = dir.appendingPathComponent("bad.json").path
        try Data(broken).write(to: URL(fileURLWithPath: bad))
        guard case .failure(let expected) = Self.tree(broken, file: bad) else {
            Issue.record("the broken book decoded")
            return
        }
        #expect(throws: expected) { try BookDecoder.decode(fileAtPath: bad) }
        // Released a page at a time as it goes, then read again for the error.
        #expect(throws: expected) { try BookDecoder.decode(fileAtPath: bad, releasingEvery: 4096) }
        let again = try #require(try BookDecoder.decode(fileAtPath: good, releasingEvery: 4096))
        #expect(Self.same(again, book))

        let empty = dir.appendingPathComponent("empty.json").path
        try Data().write(to: URL(fileURLWithPath: empty))
        #expect(try BookDecoder.decode(fileAtPath: empty) == nil)
        #expect(try BookDecoder.decode(fileAtPath: dir.path) == nil)
        #expect(try BookDecoder.decode(fileAtPath: dir.appendingPathComponent("missing.json").path) == nil)
    }
}
