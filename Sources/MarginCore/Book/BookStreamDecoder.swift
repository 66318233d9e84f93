#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The fast path of ``BookDecoder``: reads the accounts of a book straight from the bytes into
/// its structs, with no tree of ``JSONValue`` for them.
///
/// It accepts only what the tree decoder (``BookDecoder/decode(_:)-(JSONValue)``) accepts and
/// gives the same ``Book``; at the first thing it does not handle or finds wrong (a syntax error,
/// a rule broken, a key written with escapes, `accounts` not the document's last member) it gives
/// up, and ``BookDecoder`` decodes the document again the old way, which names the error exactly
/// as it always did. So errors cost a second pass; valid books take one.
///
/// The members before `accounts` (format, defaults, assets, instruments, history, ...) are small:
/// they are parsed into values by ``JSONParser`` and checked by the tree decoder itself, on a
/// document whose `accounts` is empty. Each account is then read key by key: numbers through the
/// parser's own ``JSONParser/parseNumber()``, strings through its ``JSONParser/parseString()``,
/// asset, venue and instrument names matched by their bytes against the book's names (the
/// book's `String` shared, not a new one per line), and each line's bound added to the same
/// ``BookMagnitude`` in the same order.
struct BookStreamDecoder {
    /// The decoder gives up; the tree decoder takes over.
    struct GiveUp: Error {}

    private var p: JSONParser
    private var assets = NameTable([])
    private var venues = NameTable([])
    private var instruments = NameTable([])
    private var collateralFactors: [BookMagnitude.CollateralFactors] = []
    private var positionFactors: [BookMagnitude.PositionFactors] = []
    private var magnitude: BookMagnitude?
    private var defaultModel = MarginModel.standard
    private var hasHistory = false
    // Scratch for the lines of one sub-account, copied out at their exact size.
    private var collateral: [CollateralLine] = []
    private var positions: [Position] = []
    private var bounds: [Double] = []
    private var interned = InternTable()

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        p = JSONParser(bytes: bytes, maxDepth: JSONParser.defaultMaxDepth)
    }

    /// The book, or `nil` where the tree decoder must decide (`progress` is told each account's
    /// end offset, so that a caller can release the bytes read).
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, progress: ((Int) -> Void)? = nil) -> Book? {
        var d = BookStreamDecoder(bytes)
        do throws(GiveUp) {
            return try d.document(progress: progress)
        } catch {
            return nil
        }
    }

    // MARK: - Document

    private mutating func document(progress: ((Int) -> Void)?) throws(GiveUp) -> Book {
        let b = p.bytes
        if b.count >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF { p.pos = 3 }
        p.skipWhitespace()
        try expect(UInt8(ascii: "{"))
        var members: [(String, JSONValue)] = []
        var keys = Set<String>()
        while true {
            p.skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw GiveUp() }
            let key = try string()
            guard keys.insert(key).inserted else { throw GiveUp() }
            p.skipWhitespace()
            try expect(UInt8(ascii: ":"))
            p.skipWhitespace()
            if key == "accounts" {
                members.append(("accounts", .array([])))
                var book: Book
                do throws(BookError) {
                    book = try BookDecoder.decode(.object(members))
                } catch {
                    throw GiveUp()
                }
                members = []
                try prepare(book)
                book.accounts = try accounts(progress: progress)
                p.skipWhitespace()
                try expect(UInt8(ascii: "}"))
                p.skipWhitespace()
                guard p.pos == b.count else { throw GiveUp() }
                return book
            }
            do throws(JSONSyntaxError) {
                members.append((key, try p.parseValue(depth: 1)))
            } catch {
                throw GiveUp()
            }
            p.skipWhitespace()
            // A document without accounts, or one ending in another member, goes the old way.
            try expect(UInt8(ascii: ","))
        }
    }

    /// The names and factors the accounts are checked against, from the header's book.
    private mutating func prepare(_ book: Book) throws(GiveUp) {
        assets = NameTable(book.assets.map(\.name))
        venues = NameTable(book.venues.map(\.name))
        instruments = NameTable(book.instruments.map(\.name))
        let m = BookMagnitude(book)
        collateralFactors = book.assets.map { m.collateralFactors($0.name) }
        var factors: [BookMagnitude.PositionFactors] = []
        for i in book.instruments {
            guard let f = m.positionFactors(i.name) else { throw GiveUp() }
            factors.append(f)
        }
        positionFactors = factors
        magnitude = m
        defaultModel = book.defaults.model
        hasHistory = !(book.history?.dates.isEmpty ?? true)
    }

    private mutating func accounts(progress: ((Int) -> Void)?) throws(GiveUp) -> [Account] {
        try expect(UInt8(ascii: "["))
        // Room for an account every 64 bytes left: more than any real book needs, and what is
        // never written is never touched (an allocation this size is mapped on demand).
        var out: [Account] = []
        out.reserveCapacity(min((p.bytes.count - p.pos) / 64, 1 << 26))
        var ids = IDSet()
        p.skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            p.pos += 1
            return out
        }
        while true {
            p.skipWhitespace()
            let acct = try account()
            guard ids.insert(acct.id, index: out.count, in: out) else { throw GiveUp() }
            if (acct.model ?? defaultModel) == .es, !hasHistory { throw GiveUp() }
            out.append(consume acct)
            p.skipWhitespace()
            progress?(p.pos)
            if peek() == UInt8(ascii: ",") {
                p.pos += 1
                continue
            }
            try expect(UInt8(ascii: "]"))
            return out
        }
    }

    // MARK: - Accounts

    private enum AccountKey: UInt8 { case id, name, model, subaccounts, collateral, positions }

    private mutating func account() throws(GiveUp) -> Account {
        try expect(UInt8(ascii: "{"))
        var seen: UInt8 = 0
        var id: String?
        var name: String?
        var model: MarginModel?
        var subaccounts: [SubAccount]?
        var main = SubAccount(id: "main")
        var cBounds = 0..<0
        var pBounds = 0..<0
        bounds.removeAll(keepingCapacity: true)
        repeat {
            p.skipWhitespace()
            var key: AccountKey
            if take(#""id":"#) {
                key = .id
            } else if take(#""name":"#) {
                key = .name
            } else if take(#""model":"#) {
                key = .model
            } else if take(#""collateral":"#) {
                key = .collateral
            } else if take(#""positions":"#) {
                key = .positions
            } else {
                let (start, count) = try rawKey()
                switch count {
                case 2 where keyIs("id", start): key = .id
                case 4 where keyIs("name", start): key = .name
                case 5 where keyIs("model", start): key = .model
                case 11 where keyIs("subaccounts", start): key = .subaccounts
                case 10 where keyIs("collateral", start): key = .collateral
                case 9 where keyIs("positions", start): key = .positions
                default: throw GiveUp()
                }
                try colon()
            }
            let bit: UInt8 = 1 << key.rawValue
            guard seen & bit == 0 else { throw GiveUp() }
            seen |= bit
            p.skipWhitespace()
            switch key {
            case .id: id = try stringValue()
            case .name: name = try internedString()
            case .model:
                if take(#""standard""#) {
                    model = .standard
                } else if take(#""portfolio""#) {
                    model = .portfolio
                } else if take(#""es""#) {
                    model = .es
                } else {
                    guard let m = MarginModel(rawValue: try stringValue()) else { throw GiveUp() }
                    model = m
                }
            case .subaccounts: subaccounts = try subaccountList()
            case .collateral:
                let from = bounds.count
                main.collateral = try collateralLines()
                cBounds = from..<bounds.count
            case .positions:
                let from = bounds.count
                main.positions = try positionLines()
                pBounds = from..<bounds.count
            }
        } while try next(UInt8(ascii: "}"))
        guard let id, !id.isEmpty else { throw GiveUp() }
        if subaccounts == nil {
            // The collateral's bounds before the positions', whichever the document gave first.
            try add(cBounds)
            try add(pBounds)
        } else if seen & (1 << AccountKey.collateral.rawValue | 1 << AccountKey.positions.rawValue) != 0 {
            throw GiveUp()
        }
        if let subaccounts { return Account(id: id, name: name, model: model, subaccounts: subaccounts) }
        return Account(id: id, name: name, model: model, subaccounts: one(main))
    }

    private mutating func subaccountList() throws(GiveUp) -> [SubAccount] {
        try expect(UInt8(ascii: "["))
        var subs: [SubAccount] = []
        p.skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            p.pos += 1
            return subs
        }
        repeat {
            p.skipWhitespace()
            try expect(UInt8(ascii: "{"))
            var seen: UInt8 = 0
            var sub = SubAccount(id: "")
            var hasID = false
            bounds.removeAll(keepingCapacity: true)
            var cBounds = 0..<0
            var pBounds = 0..<0
            repeat {
                p.skipWhitespace()
                let (start, count) = try rawKey()
                let bit: UInt8
                switch count {
                case 2 where keyIs("id", start): bit = 1
                case 10 where keyIs("collateral", start): bit = 2
                case 9 where keyIs("positions", start): bit = 4
                default: throw GiveUp()
                }
                guard seen & bit == 0 else { throw GiveUp() }
                seen |= bit
                try colon()
                switch bit {
                case 1:
                    sub.id = try stringValue()
                    hasID = true
                case 2:
                    let from = bounds.count
                    sub.collateral = try collateralLines()
                    cBounds = from..<bounds.count
                default:
                    let from = bounds.count
                    sub.positions = try positionLines()
                    pBounds = from..<bounds.count
                }
            } while try next(UInt8(ascii: "}"))
            guard hasID, !sub.id.isEmpty else { throw GiveUp() }
            for s in subs where s.id == sub.id { throw GiveUp() }
            try add(cBounds)
            try add(pBounds)
            subs.append(sub)
        } while try next(UInt8(ascii: "]"))
        return subs
    }

    /// Adds lines' bounds (kept in ``bounds``) to the book's running total, as ``BookMagnitude`` does.
    private mutating func add(_ range: Range<Int>) throws(GiveUp) {
        guard magnitude != nil else { throw GiveUp() }
        for i in range where !magnitude!.fits(bounds[i]) { throw GiveUp() }
    }

    private mutating func collateralLines() throws(GiveUp) -> [CollateralLine] {
        try expect(UInt8(ascii: "["))
        p.skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            p.pos += 1
            return []
        }
        // The first line alone: a list of one (the common case) is one allocation, with no
        // scratch copy of its own.
        let first = try collateralLine()
        guard try next(UInt8(ascii: "]")) else { return one(first) }
        collateral.removeAll(keepingCapacity: true)
        collateral.append(first)
        repeat {
            collateral.append(try collateralLine())
        } while try next(UInt8(ascii: "]"))
        return exactCopy(collateral)
    }

    @inline(__always) private mutating func collateralLine() throws(GiveUp) -> CollateralLine {
        p.skipWhitespace()
        try expect(UInt8(ascii: "{"))
        var seen: UInt8 = 0
        var asset: String?
        var assetIndex = 0
        var amount = 0.0
        var venue: String?
        repeat {
            p.skipWhitespace()
            var bit: UInt8
            if take(#""asset":"#) {
                bit = 1
            } else if take(#""amount":"#) {
                bit = 2
            } else if take(#""venue":"#) {
                bit = 4
            } else {
                let (start, count) = try rawKey()
                switch count {
                case 5 where keyIs("asset", start): bit = 1
                case 6 where keyIs("amount", start): bit = 2
                case 5 where keyIs("venue", start): bit = 4
                default: throw GiveUp()
                }
                try colon()
            }
            guard seen & bit == 0 else { throw GiveUp() }
            seen |= bit
            p.skipWhitespace()
            switch bit {
            case 1: (asset, assetIndex) = try name(in: assets)
            case 2: amount = try number()
            default: venue = try name(in: venues).0
            }
        } while try next(UInt8(ascii: "}"))
        guard let asset, seen & 2 != 0 else { throw GiveUp() }
        bounds.append(collateralFactors[assetIndex].bound(amount: amount))
        return CollateralLine(asset: asset, amount: amount, venue: venue)
    }

    private mutating func positionLines() throws(GiveUp) -> [Position] {
        try expect(UInt8(ascii: "["))
        p.skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            p.pos += 1
            return []
        }
        let first = try positionLine()
        guard try next(UInt8(ascii: "]")) else { return one(first) }
        positions.removeAll(keepingCapacity: true)
        positions.append(first)
        repeat {
            positions.append(try positionLine())
        } while try next(UInt8(ascii: "]"))
        return exactCopy(positions)
    }

    @inline(__always) private mutating func positionLine() throws(GiveUp) -> Position {
        p.skipWhitespace()
        try expect(UInt8(ascii: "{"))
        var seen: UInt8 = 0
        var instrument: String?
        var index = 0
        var quantity = 0.0
        var entryPrice = 0.0
        var isolated: Double?
        repeat {
            p.skipWhitespace()
            var bit: UInt8
            if take(#""instrument":"#) {
                bit = 1
            } else if take(#""quantity":"#) {
                bit = 2
            } else if take(#""entryPrice":"#) {
                bit = 4
            } else {
                let (start, count) = try rawKey()
                switch count {
                case 10 where keyIs("instrument", start): bit = 1
                case 8 where keyIs("quantity", start): bit = 2
                case 10 where keyIs("entryPrice", start): bit = 4
                case 18 where keyIs("isolatedCollateral", start): bit = 8
                default: throw GiveUp()
                }
                try colon()
            }
            guard seen & bit == 0 else { throw GiveUp() }
            seen |= bit
            p.skipWhitespace()
            switch bit {
            case 1: (instrument, index) = try name(in: instruments)
            case 2: quantity = try number()
            case 4: entryPrice = try number()
            default:
                let x = try number()
                guard x >= 0 else { throw GiveUp() }
                isolated = x
            }
        } while try next(UInt8(ascii: "}"))
        guard let instrument, seen & 6 == 6 else { throw GiveUp() }
        bounds.append(
            positionFactors[index].bound(quantity: quantity, entryPrice: entryPrice, isolatedCollateral: isolated))
        return Position(
            instrument: instrument, quantity: quantity, entryPrice: entryPrice, isolatedCollateral: isolated)
    }

    /// An array of the one element `x`, its storage exactly one element (an array literal: one
    /// allocation, no growth path).
    @inline(__always) private func one<T>(_ x: consuming T) -> [T] { [x] }

    /// A new array of exactly `a`'s elements (`Array(a[...])` may share `a`'s buffer, capacity and
    /// all; `Array(unsafeUninitializedCapacity:)` looks its storage type up at run time each call).
    @inline(__always) private func exactCopy(_ a: [CollateralLine]) -> [CollateralLine] {
        var out: [CollateralLine] = []
        out.reserveCapacity(a.count)
        out.append(contentsOf: a)
        return out
    }

    @inline(__always) private func exactCopy(_ a: [Position]) -> [Position] {
        var out: [Position] = []
        out.reserveCapacity(a.count)
        out.append(contentsOf: a)
        return out
    }

    // MARK: - Tokens

    @inline(__always) private func peek() -> UInt8? { p.pos < p.bytes.count ? p.bytes[p.pos] : nil }

    @inline(__always) private mutating func expect(_ byte: UInt8) throws(GiveUp) {
        guard p.pos < p.bytes.count, p.bytes[p.pos] == byte else { throw GiveUp() }
        p.pos += 1
    }

    @inline(__always) private mutating func colon() throws(GiveUp) {
        p.skipWhitespace()
        try expect(UInt8(ascii: ":"))
        p.skipWhitespace()
    }

    /// After a member or element: true at `,` (another follows), false at `close`.
    @inline(__always) private mutating func next(_ close: UInt8) throws(GiveUp) -> Bool {
        p.skipWhitespace()
        guard p.pos < p.bytes.count else { throw GiveUp() }
        let b = p.bytes[p.pos]
        p.pos += 1
        if b == UInt8(ascii: ",") { return true }
        guard b == close else { throw GiveUp() }
        return false
    }

    /// A key's bytes between its quotes; a key with an escape or a control character gives up
    /// (its text is not its value).
    @inline(__always) private mutating func rawKey() throws(GiveUp) -> (Int, Int) {
        try expect(UInt8(ascii: "\""))
        let start = p.pos
        let b = p.bytes
        var i = start
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") {
                p.pos = i + 1
                return (start, i - start)
            }
            if c == UInt8(ascii: "\\") || c < 0x20 { throw GiveUp() }
            i += 1
        }
        throw GiveUp()
    }

    /// Consumes `"key":` written exactly so (no space, no escape), the common spelling of a member.
    /// Every key this decoder takes is 4 to 16 bytes: two overlapping loads compare it.
    @inline(__always) private mutating func take(_ quotedKeyColon: StaticString) -> Bool {
        let n = quotedKeyColon.utf8CodeUnitCount
        guard p.pos + n <= p.bytes.count else { return false }
        let a = UnsafeRawPointer(p.bytes.baseAddress! + p.pos)
        let k = UnsafeRawPointer(quotedKeyColon.utf8Start)
        let equal: Bool
        if n >= 8 && n <= 16 {
            equal =
                a.loadUnaligned(as: UInt64.self) == k.loadUnaligned(as: UInt64.self)
                && a.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
                    == k.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        } else if n >= 4 && n < 8 {
            equal =
                a.loadUnaligned(as: UInt32.self) == k.loadUnaligned(as: UInt32.self)
                && a.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)
                    == k.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)
        } else {
            equal = memcmp(a, k, n) == 0
        }
        guard equal else { return false }
        p.pos += n
        return true
    }

    @inline(__always) private func keyIs(_ key: StaticString, _ start: Int) -> Bool {
        let k = key.utf8Start
        let b = p.bytes
        for j in 0..<key.utf8CodeUnitCount where b[start + j] != k[j] { return false }
        return true
    }

    private mutating func string() throws(GiveUp) -> String {
        do throws(JSONSyntaxError) {
            return try p.parseString()
        } catch {
            throw GiveUp()
        }
    }

    /// A string value (anything else gives up, as the tree decoder rejects it).
    @inline(__always) private mutating func stringValue() throws(GiveUp) -> String {
        guard peek() == UInt8(ascii: "\"") else { throw GiveUp() }
        return try string()
    }

    /// A string value, shared with an earlier one of the same bytes where there was one (account
    /// names repeat across some books, and one longer than 15 bytes is an allocation of its own).
    /// A book whose names seldom repeat (the demo books: 83% unique at 1M) stops looking them up.
    private mutating func internedString() throws(GiveUp) -> String {
        guard interned.enabled, peek() == UInt8(ascii: "\"") else { return try stringValue() }
        let b = p.bytes
        let start = p.pos + 1
        var i = start
        while i < b.count, b[i] != UInt8(ascii: "\""), b[i] != UInt8(ascii: "\\"), b[i] >= 0x20 { i += 1 }
        // Short ones are kept inline by String; escaped ones are rare.
        guard i < b.count, b[i] == UInt8(ascii: "\""), i - start > 15 else { return try string() }
        let h = NameTable.hash(b, start, i - start)
        if let s = interned.find(h, b, start, i - start) {
            p.pos = i + 1
            return s
        }
        let s = try string()
        interned.add(s, hash: h)
        return s
    }

    /// A number value: finite, from the parser's own conversion.
    @inline(__always) private mutating func number() throws(GiveUp) -> Double {
        guard let c = peek(), c == UInt8(ascii: "-") || (c >= 0x30 && c <= 0x39) else { throw GiveUp() }
        do throws(JSONSyntaxError) {
            return try p.parseNumber()
        } catch {
            throw GiveUp()
        }
    }

    /// A string value that must be one of `table`'s names: the table's `String` when the bytes
    /// are the name's, else the string read (`String` equality, as the tree decoder's `Set` has it).
    private mutating func name(in table: NameTable) throws(GiveUp) -> (String, Int) {
        guard peek() == UInt8(ascii: "\"") else { throw GiveUp() }
        let b = p.bytes
        let start = p.pos + 1
        var i = start
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") {
                if let k = table.index(NameTable.hash(b, start, i - start), b, start, i - start) {
                    p.pos = i + 1
                    return (table.names[k], k)
                }
                break
            }
            if c == UInt8(ascii: "\\") || c < 0x20 { break }
            i += 1
        }
        let s = try string()
        guard let k = table.names.firstIndex(of: s) else { throw GiveUp() }
        return (s, k)
    }
}

/// A few names (assets, venues, instruments) found by their UTF-8 bytes: open addressing on an
/// FNV-1a hash, the bytes compared on a hit. The bytes and slots are kept in one flat buffer of
/// its own, so that a lookup touches no array (and retains nothing).
final class NameTable {
    let names: [String]
    /// Per slot: the name's index + 1 (0 for an empty slot), its byte offset and length in `bytes`.
    private let slots: UnsafeMutableBufferPointer<(index: Int32, offset: Int32, count: Int32)>
    private let bytes: UnsafeMutableBufferPointer<UInt8>
    private let mask: Int

    init(_ names: [String]) {
        self.names = names
        var size = 8
        while size < names.count * 4 { size *= 2 }
        mask = size - 1
        slots = .allocate(capacity: size)
        slots.initialize(repeating: (0, 0, 0))
        let flat = names.flatMap { Array($0.utf8) }
        bytes = .allocate(capacity: max(1, flat.count))
        _ = bytes.initialize(fromContentsOf: flat)
        var offset = 0
        for (k, name) in names.enumerated() {
            let count = name.utf8.count
            var h = Self.hash(UnsafeBufferPointer(bytes), offset, count) & mask
            while slots[h].index != 0 { h = (h + 1) & mask }
            slots[h] = (Int32(k + 1), Int32(offset), Int32(count))
            offset += count
        }
    }

    deinit {
        slots.deallocate()
        bytes.deallocate()
    }

    private static let k: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// A hash of `b[start..<start+count]`, eight bytes a step (every byte counts: the account ids
    /// of ``IDSet`` differ anywhere).
    @inline(__always) static func hash(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int) -> Int {
        guard count > 0, let base = b.baseAddress else { return 0 }
        let raw = UnsafeRawPointer(base + start)
        var h = UInt64(truncatingIfNeeded: count) &* k
        var i = 0
        while i + 8 <= count {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* k
            h ^= h >> 29
            i += 8
        }
        if i < count {
            var tail: UInt64 = 0
            if count >= 8 {
                // The last eight bytes, overlapping the words before.
                tail = raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
            } else {
                for j in 0..<count { tail |= UInt64(raw.load(fromByteOffset: j, as: UInt8.self)) << (8 * j) }
            }
            h = (h ^ tail) &* k
        }
        h = (h ^ (h >> 32)) &* k
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    /// The index of the name whose bytes are `b[start..<start+count]` (`hash` is theirs, ``hash(_:_:_:)``).
    @inline(__always) func index(_ hash: Int, _ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int) -> Int? {
        var h = hash & mask
        while true {
            let slot = slots[h]
            if slot.index == 0 { return nil }
            if Int(slot.count) == count,
                memcmp(bytes.baseAddress! + Int(slot.offset), b.baseAddress! + start, count) == 0
            {
                return Int(slot.index) - 1
            }
            h = (h + 1) & mask
        }
    }
}

/// The account ids seen, for the duplicate check. While the ids come in increasing order (by
/// length, then bytes: `ACC-999999` before `ACC-1000000`), as generated and exported books have
/// them, each is only compared with the one before. After that, an open-addressing table of
/// indices into the accounts read, hashed by the id's bytes. Byte-equal is `String`-equal only
/// for ASCII, so at the first id that is not ASCII this turns into a `Set<String>` of every id
/// (the tree decoder's own check, by canonical equivalence).
struct IDSet {
    private var last: String?
    private var slots: [Int32] = []
    private var count = 0
    private var strings: Set<String>?

    /// Adds account `index`'s id (`accounts` holds the ones before it); false for a duplicate.
    mutating func insert(_ id: String, index: Int, in accounts: [Account]) -> Bool {
        if strings != nil { return strings!.insert(id).inserted }
        var id = id
        let h: Int? = id.withUTF8 { u in
            var ascii: UInt8 = 0
            for b in u { ascii |= b }
            return ascii < 0x80 ? NameTable.hash(u, 0, u.count) : nil
        }
        guard let h else {
            var all = Set<String>(minimumCapacity: accounts.count * 2)
            for a in accounts { all.insert(a.id) }
            strings = all
            return strings!.insert(id).inserted
        }
        if var previous = last {
            let increasing = previous.withUTF8 { a in
                id.withUTF8 { b in
                    a.count != b.count ? a.count < b.count : memcmp(a.baseAddress!, b.baseAddress!, a.count) < 0
                }
            }
            if increasing {
                last = id
                return true
            }
            // Out of order: every id so far into the table.
            last = nil
            for k in 0..<index { add(k, accounts) }
        } else if slots.isEmpty {
            if index == 0 {
                last = id
                return true
            }
        }
        if count * 2 >= slots.count { grow(accounts) }
        let mask = slots.count - 1
        var k = h & mask
        while slots[k] != 0 {
            if accounts[Int(slots[k]) - 1].id == id { return false }
            k = (k + 1) & mask
        }
        slots[k] = Int32(index + 1)
        count += 1
        return true
    }

    /// Puts account `k` (whose id is known to be new) into the table.
    private mutating func add(_ k: Int, _ accounts: [Account]) {
        if count * 2 >= slots.count { grow(accounts) }
        let mask = slots.count - 1
        var id = accounts[k].id
        var s = id.withUTF8 { NameTable.hash($0, 0, $0.count) } & mask
        while slots[s] != 0 { s = (s + 1) & mask }
        slots[s] = Int32(k + 1)
        count += 1
    }

    private mutating func grow(_ accounts: [Account]) {
        var bigger = [Int32](repeating: 0, count: max(1024, slots.count * 2))
        let mask = bigger.count - 1
        for s in slots where s != 0 {
            var id = accounts[Int(s) - 1].id
            var k = id.withUTF8 { NameTable.hash($0, 0, $0.count) } & mask
            while bigger[k] != 0 { k = (k + 1) & mask }
            bigger[k] = s
        }
        slots = bigger
    }
}

/// Strings met before, by the hash of their bytes, for ``BookStreamDecoder``'s names; holds at
/// most ``limit`` (a book of unique names stops adding). Once ``window`` lookups have found fewer
/// than a quarter of their strings, it is no longer ``enabled`` (looking up costs more than the
/// few strings it would share save).
struct InternTable {
    static let limit = 1 << 14
    static let window = 1 << 12
    private var slots = [(hash: Int, string: String)?](repeating: nil, count: 1 << 15)
    private var count = 0
    private var lookups = 0
    private var hits = 0
    private(set) var enabled = true

    mutating func find(_ hash: Int, _ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ length: Int) -> String? {
        lookups += 1
        if lookups == Self.window, hits * 4 < lookups { enabled = false }
        let mask = slots.count - 1
        var k = hash & mask
        while let slot = slots[k] {
            if slot.hash == hash {
                var s = slot.string
                let equal = s.withUTF8 { u in
                    u.count == length && memcmp(u.baseAddress!, b.baseAddress! + start, length) == 0
                }
                if equal {
                    hits += 1
                    return slot.string
                }
            }
            k = (k + 1) & mask
        }
        return nil
    }

    mutating func add(_ s: String, hash: Int) {
        guard count < Self.limit else { return }
        let mask = slots.count - 1
        var k = hash & mask
        while slots[k] != nil { k = (k + 1) & mask }
        slots[k] = (hash, s)
        count += 1
    }
}
