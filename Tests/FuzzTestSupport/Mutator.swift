import MarginCore

/// A seeded, mutation-based maker of hostile JSON (and JSON-like) inputs, for the decoders'
/// in-process fuzz tests: each case is a corpus entry with one to four stacked mutations.
///
/// Byte-level mutations (flips, inserts, deletes, truncation, splices between entries) find
/// parser faults; JSON-aware ones, which work on the value spans a tolerant scan finds, reach
/// the decoders' field rules: edge numbers (`1e999`, `-0`, `NaN`, hex, long digit strings, the
/// `Int64` ends), hostile strings (controls, invalid UTF-8, lone surrogates, long text), edge
/// timestamps, retyped and dropped fields, duplicate keys and deep nesting.
/// ```swift
/// var m = Mutator(corpus: [Array(#"{"p":"1.5"}"#.utf8)], seed: 42)
/// let c = m.next()        // the same sequence of cases for the same seed and corpus
/// c.bytes; c.operations   // the input, and how it was made
/// ```
public struct Mutator {
    /// One mutation, named for failure reports and coverage counts.
    public enum Operation: String, CaseIterable, Sendable {
        case flipBit, randomByte, insertBytes, deleteRange, truncate, duplicateRange
        case spliceTail, spliceValue, edgeNumber, quotedEdgeNumber, longDigits, hostileString
        case edgeTimestamp, swapWord, retype, deepen, duplicateKey, dropMember, insertMember

        var usesSpans: Bool {
            switch self {
            case .flipBit, .randomByte, .insertBytes, .deleteRange, .truncate, .duplicateRange, .spliceTail: false
            default: true
            }
        }
    }

    /// One generated input.
    public struct Case {
        public var bytes: [UInt8]
        /// The corpus entry it was made from.
        public var base: Int
        /// The mutations applied, in order (empty: the entry itself).
        public var operations: [Operation]
        public var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    private let corpus: [[UInt8]]
    private let corpusSpans: [Spans]
    /// Entry indices, each as often as its weight.
    private let picks: [Int]
    private var rng: SplitMix64
    private let maxSize: Int
    private let depths: [Int]
    private let keys: [[UInt8]]
    private let words: [[UInt8]]
    /// How often each operation was applied (to see that every one ran).
    public private(set) var applied: [Operation: Int] = [:]

    /// - Parameters:
    ///   - corpus: well-formed inputs to mutate (real frames, books, lines).
    ///   - maxSize: a mutation that would make the input longer is not applied.
    ///   - depths: nesting depths to try besides random ones, the decoder's limit and its neighbours.
    ///   - weights: how often each entry is picked, relative to the others (default: equally).
    public init(
        corpus: [[UInt8]], seed: UInt64, maxSize: Int = 16_384, depths: [Int] = [63, 64, 65], weights: [Int]? = nil
    ) {
        precondition(!corpus.isEmpty, "a mutator needs a corpus")
        precondition(weights.map { $0.count == corpus.count && $0.allSatisfy { $0 > 0 } } ?? true, "a weight per entry")
        self.corpus = corpus
        picks = (weights ?? corpus.map { _ in 1 }).enumerated().flatMap {
            Array(repeating: $0.offset, count: $0.element)
        }
        corpusSpans = corpus.map(Spans.init)
        rng = SplitMix64(seed: seed)
        self.maxSize = maxSize
        self.depths = depths
        var keys: Set<[UInt8]> = []
        var words: Set<[UInt8]> = []
        for (bytes, spans) in zip(corpus, corpusSpans) {
            for k in spans.keys { keys.insert(Array(bytes[k])) }
            for s in spans.strings { words.insert(Array(bytes[s])) }
        }
        self.keys = keys.sorted { $0.lexicographicallyPrecedes($1) }
        self.words = words.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// How many entries the corpus has.
    public var corpusCount: Int { corpus.count }

    /// The corpus entry `index` (modulo the corpus size) as an unmodified case.
    public func unmodified(_ index: Int) -> Case {
        Case(bytes: corpus[index % corpus.count], base: index % corpus.count, operations: [])
    }

    /// The next case: a random entry with one mutation, or (one time in four) two to four.
    public mutating func next() -> Case {
        let base = picks[Int(rng.next() % UInt64(picks.count))]
        var bytes = corpus[base]
        var spans: Spans? = corpusSpans[base]
        var operations: [Operation] = []
        let count = rng.next() % 4 == 0 ? 2 + Int(rng.next() % 3) : 1
        var attempts = 0
        while operations.count < count && attempts < 16 {
            attempts += 1
            let op = Operation.allCases[Int(rng.next() % UInt64(Operation.allCases.count))]
            // Only the JSON-aware operations need the spans; a mutated text is scanned again when one does.
            if op.usesSpans && spans == nil { spans = Spans(bytes) }
            guard let out = apply(op, to: bytes, spans: spans ?? Spans()), out.count <= maxSize, out != bytes
            else { continue }
            bytes = out
            spans = nil
            operations.append(op)
            applied[op, default: 0] += 1
        }
        return Case(bytes: bytes, base: base, operations: operations)
    }

    // MARK: - Operations

    private mutating func index(_ n: Int) -> Int { n <= 0 ? 0 : Int(rng.next() % UInt64(n)) }

    private mutating func pick<T>(_ items: [T]) -> T? { items.isEmpty ? nil : items[index(items.count)] }

    private mutating func apply(_ op: Operation, to b: [UInt8], spans: Spans) -> [UInt8]? {
        var b = b
        switch op {
        case .flipBit:
            guard !b.isEmpty else { return nil }
            b[index(b.count)] ^= 1 << UInt8(index(8))
        case .randomByte:
            guard !b.isEmpty else { return nil }
            b[index(b.count)] = UInt8(truncatingIfNeeded: rng.next())
        case .insertBytes:
            let structural = Array("{}[]\",:\\-.eE+0 \t\n".utf8)
            let n = 1 + index(8)
            let insert = (0..<n).map { _ in
                rng.next() % 2 == 0 ? structural[index(structural.count)] : UInt8(truncatingIfNeeded: rng.next())
            }
            b.insert(contentsOf: insert, at: index(b.count + 1))
        case .deleteRange:
            guard !b.isEmpty else { return nil }
            let start = index(b.count)
            b.removeSubrange(start..<min(b.count, start + 1 + index(32)))
        case .truncate:
            guard !b.isEmpty else { return nil }
            b.removeSubrange(index(b.count)...)
        case .duplicateRange:
            guard !b.isEmpty else { return nil }
            let start = index(b.count)
            let chunk = b[start..<min(b.count, start + 1 + index(64))]
            b.insert(contentsOf: chunk, at: index(b.count + 1))
        case .spliceTail:
            let other = corpus[index(corpus.count)]
            b = Array(b[..<index(b.count + 1)]) + other[index(other.count + 1)...]
        case .spliceValue:
            let o = index(corpus.count)
            guard let target = pick(spans.values), let source = pick(corpusSpans[o].values) else { return nil }
            b.replaceSubrange(target, with: corpus[o][source])
        case .edgeNumber:
            guard let target = pick(spans.numbers), let n = pick(Self.edgeNumbers) else { return nil }
            b.replaceSubrange(target, with: Array(n.utf8))
        case .quotedEdgeNumber:
            // Exchanges send numbers as strings: the same edges inside quotes.
            guard let target = pick(spans.strings + spans.numbers), let n = pick(Self.edgeNumbers) else { return nil }
            b.replaceSubrange(target, with: Array("\"\(n)\"".utf8))
        case .longDigits:
            guard let target = pick(spans.numbers + spans.strings) else { return nil }
            var digits = [UInt8(ascii: "1") + UInt8(index(9))]
            for _ in 0..<(16 + index(1_200)) { digits.append(UInt8(ascii: "0") + UInt8(index(10))) }
            switch index(4) {
            case 0: digits = Array("0.".utf8) + digits
            case 1: digits = Array("-".utf8) + digits
            case 2: digits += Array("e-".utf8) + digits.prefix(1 + index(30))
            default: break
            }
            if spans.strings.contains(target) { digits = [0x22] + digits + [0x22] }
            b.replaceSubrange(target, with: digits)
        case .hostileString:
            guard let target = pick(spans.strings + spans.keys) else { return nil }
            b.replaceSubrange(target, with: hostileString())
        case .edgeTimestamp:
            // Quoted in place of a string; bare in place of a number (a CSV date is one).
            guard let target = pick(spans.strings + spans.numbers), let t = pick(Self.edgeTimestamps) else {
                return nil
            }
            let quoted = b[target.lowerBound] == UInt8(ascii: "\"")
            b.replaceSubrange(target, with: Array((quoted ? "\"\(t)\"" : t).utf8))
        case .swapWord:
            guard let target = pick(spans.strings), let w = pick(words) else { return nil }
            b.replaceSubrange(target, with: w)
        case .retype:
            guard let target = pick(spans.values), let v = pick(Self.otherValues) else { return nil }
            b.replaceSubrange(target, with: Array(v.utf8))
        case .deepen:
            guard let target = pick(spans.values) else { return nil }
            // Mostly shallow, to confuse structure; rarely at the limit or far past it, since under
            // the test framework each level of an over-deep document costs a backtrace.
            let r = index(256)
            let limit = depths.max() ?? 64
            let depth = r == 0 ? (pick(depths) ?? 1) : r == 1 ? 1 + index(limit * 2) : 1 + index(8)
            let (open, close): ([UInt8], [UInt8]) =
                rng.next() % 2 == 0 ? ([0x5B], [0x5D]) : (Array(#"{"a":"#.utf8), [0x7D])
            var wrapped: [UInt8] = []
            wrapped.reserveCapacity(target.count + depth * (open.count + 1))
            for _ in 0..<depth { wrapped += open }
            wrapped += b[target]
            for _ in 0..<depth { wrapped += close }
            b.replaceSubrange(target, with: wrapped)
        case .duplicateKey:
            guard let member = pick(spans.members) else { return nil }
            b.insert(contentsOf: [UInt8(ascii: ",")] + b[member], at: member.upperBound)
        case .dropMember:
            guard let member = pick(spans.members) else { return nil }
            var range = member
            var after = member.upperBound
            while after < b.count, Spans.isSpace(b[after]) { after += 1 }
            if after < b.count, b[after] == UInt8(ascii: ",") {
                range = member.lowerBound..<(after + 1)
            } else {
                var before = member.lowerBound
                while before > 0, Spans.isSpace(b[before - 1]) { before -= 1 }
                if before > 0, b[before - 1] == UInt8(ascii: ",") { range = (before - 1)..<member.upperBound }
            }
            b.removeSubrange(range)
        case .insertMember:
            guard let object = pick(spans.objects) else { return nil }
            let key = rng.next() % 4 == 0 ? Array(#""zz""#.utf8) : (pick(keys) ?? Array(#""""#.utf8))
            let o = index(corpus.count)
            let value =
                rng.next() % 2 == 0
                ? (pick(corpusSpans[o].values).map { Array(corpus[o][$0]) } ?? [0x30])
                : Array((pick(Self.otherValues) ?? "0").utf8)
            var after = object.lowerBound + 1
            while after < b.count, Spans.isSpace(b[after]) { after += 1 }
            let empty = after < b.count && b[after] == UInt8(ascii: "}")
            b.insert(
                contentsOf: key + [UInt8(ascii: ":")] + value + (empty ? [] : [UInt8(ascii: ",")]),
                at: object.lowerBound + 1)
        }
        return b
    }

    /// A string literal (with its quotes) that a decoder must refuse or carry safely.
    private mutating func hostileString() -> [UInt8] {
        let q: UInt8 = 0x22
        switch index(12) {
        case 0: return [q] + Array(repeating: UInt8(ascii: "A") + UInt8(index(26)), count: 1_000 + index(4_000)) + [q]
        case 1:  // raw controls: C0 (illegal unescaped in JSON), and C1 as UTF-8
            return [q, UInt8(index(0x20)), 0x1B, 0x5B, 0x32, 0x4A, 0xC2, 0x9B, q]
        case 2: return [q, 0xC2, 0x9B, 0x33, 0x31, 0x6D, 0xC2, 0x85, q]
        case 3:  // invalid UTF-8: stray bytes, overlong, surrogate, beyond U+10FFFF, truncated
            let bad: [[UInt8]] = [
                [0xFF], [0xFE], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x80], [0xE2, 0x82],
            ]
            return [q, 0x41] + (pick(bad) ?? [0xFF]) + [0x42, q]
        default:
            let escaped = [
                #""\u0000""#, #""\u001b]0;pwned\u0007""#, #""\u009b31m""#, #""\u007f""#, #""\ud800""#, #""\udc00x""#,
                #""\ud800\u0041""#, #""\uZZZZ""#, #""\u12""#, #""\""#, #""\x41""#, #""\u202eevil""#,
                #""👩‍💻 東京""#, #""""#, #"" ""#, #""\n\r\t""#, #""\"\\\/""#, #""null""#,
            ]
            return Array((pick(escaped) ?? #""""#).utf8)
        }
    }

    /// Numbers at the edges of `Double`, `Int64` and the JSON grammar, and what is not a JSON number.
    public static let edgeNumbers = [
        "0", "-0", "-0.0", "0.0", "1", "-1", "0.5", "-1.5", "1e999", "-1e999", "1e-999", "-1e-999", "2e308",
        "1.7976931348623157e308", "-1.7976931348623157e308", "1.7976931348623159e308", "4.9e-324", "5e-324",
        "2.2250738585072014e-308", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
        "-9223372036854775809", "18446744073709551615", "9007199254740993", "8999999999999999", "9e15",
        "253402300799999", "253402300800000", "-62135596800000", "-62135596800001", "1764000000000", "1e3",
        "NaN", "-NaN", "Infinity", "-Infinity", "inf", "nan", "0x10", "0x1p16", "1.", "-.5", ".5", "01", "-01",
        "+1", "1e", "1e+", "1E-5", "1_000", "1 000", "１", "1.5e3000", "0.1e-400", "10", "1001", "11",
    ]

    /// Timestamps and dates just inside and just outside what readers accept.
    public static let edgeTimestamps = [
        "0000-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "0001-01-01T00:00:00+00:01", "0001-01-01T00:00:00.000-23:59",
        "9999-12-31T23:59:59Z", "9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.9999Z", "9999-12-31T23:59:59-23:59",
        "9999-12-31T23:59:60z", "2026-02-29T00:00:00Z", "2024-02-29T00:00:00Z", "2026-11-24T24:00:00Z",
        "2026-11-24T23:60:00Z", "2026-11-24T12:00:60Z", "2026-11-24T12:00:00", "2026-11-24T12:00:00.Z",
        "2026-11-24T12:00:00.123456789012345678901234567890Z", "2026-11-24 12:00:00z", "2026-11-24t12:00:00Z",
        "2026-11-24T12:00:00+24:00", "2026-11-24T12:00:00+05", "-2026-11-24T12:00:00Z", "+2026-11-24T12:00:00Z",
        "２０２６-11-24T12:00:00Z", "1970-01-01T00:00:00Z", "1969-12-31T23:59:59.999Z", "2026-11-24T12:00:00.5+01:30",
        "2026-11-24", "0000-01-01", "2026-02-29", "2024-02-29", "9999-12-31", "2026-1-01", "2026-13-01", "2026-00-10",
        "2019-10-17 09-AM", "2019-10-17 12-PM", "2019-10-17 00-AM", "2019-10-17 13:00:00", "2019-10-17 -1:-1",
        "2019-10-17 +1:00", "2019-10-17 24:00", "2019-10-17 23:59:59", "2019-10-17 23:59:-1",
    ]

    /// Values of every JSON type, to put where another type belongs.
    public static let otherValues = [
        "null", "true", "false", "[]", "{}", "[null]", #"{"":0}"#, "0", #""""#, #""x""#, "[1,2]", "1.5", "-1",
        #"{"a":[{"b":null}]}"#, #"["60000"]"#,
    ]
}

/// Where the values, keys and members of a (possibly broken) JSON text are, by a tolerant scan:
/// unmatched closers are skipped and unterminated tokens end at the end of the text.
struct Spans {
    var numbers: [Range<Int>] = []
    /// String values, quotes included (keys are in ``keys``).
    var strings: [Range<Int>] = []
    var keys: [Range<Int>] = []
    var objects: [Range<Int>] = []
    /// Every value: numbers, strings, literals, objects and arrays.
    var values: [Range<Int>] = []
    /// `"key": value`, from the key's opening quote to the value's end.
    var members: [Range<Int>] = []

    init() {}

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    init(_ b: [UInt8]) {
        var stack: [(start: Int, member: Int?)] = []
        var pendingKey: Int?
        var i = 0
        func value(_ r: Range<Int>) {
            values.append(r)
            if let k = pendingKey { members.append(k..<r.upperBound) }
            pendingKey = nil
        }
        while i < b.count {
            let c = b[i]
            switch c {
            case UInt8(ascii: "\""):
                var j = i + 1
                while j < b.count, b[j] != UInt8(ascii: "\"") { j += b[j] == UInt8(ascii: "\\") ? 2 : 1 }
                let end = min(j + 1, b.count)
                var k = end
                while k < b.count, Self.isSpace(b[k]) { k += 1 }
                if k < b.count, b[k] == UInt8(ascii: ":") {
                    keys.append(i..<end)
                    pendingKey = i
                } else {
                    strings.append(i..<end)
                    value(i..<end)
                }
                i = end
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                var j = i + 1
                while j < b.count, Self.isNumberByte(b[j]) { j += 1 }
                numbers.append(i..<j)
                value(i..<j)
                i = j
            case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                var j = i + 1
                while j < b.count, b[j] >= UInt8(ascii: "a"), b[j] <= UInt8(ascii: "z") { j += 1 }
                value(i..<j)
                i = j
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                stack.append((i, pendingKey))
                pendingKey = nil
                i += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if let open = stack.popLast() {
                    let r = open.start..<(i + 1)
                    if b[open.start] == UInt8(ascii: "{") { objects.append(r) }
                    pendingKey = open.member
                    value(r)
                }
                i += 1
            default:
                i += 1
            }
        }
    }

    static func isNumberByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E")
            || b == UInt8(ascii: "+") || b == UInt8(ascii: "-")
    }
}
