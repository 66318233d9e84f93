import MarginCore
import MarginLive

/// The overview's `/` filter, parsed: text matched against id, name, state and asset, and bounds on
/// the distance to liquidation.
///
/// Terms are separated by spaces. A term `dist` + `<`, `<=`, `>` or `>=` + a number bounds
/// `|distance|`, the size of the market move that liquidates the account (either direction): `5%`
/// and `0.05` are the same bound (a number without `%` is a fraction). Every other word is text,
/// all of it matched as one phrase, as before. Every term must hold.
///
/// ```swift
/// let f = RowFilter.parse("dist<5% btc")   // within 5% of liquidation, largest exposure BTC
/// f.bounds    // [dist < 0.05]
/// f.text      // "btc"
/// ```
///
/// An account with no move in range that liquidates it is infinitely far (it passes `dist>…`,
/// never `dist<…`); one not analysed yet passes no distance bound. A malformed `dist` term is left
/// out and named in ``error``; it never throws.
public struct RowFilter: Sendable, Equatable {
    /// One bound on `|distance|`.
    public struct DistanceBound: Sendable, Equatable, CustomStringConvertible {
        public enum Relation: String, Sendable, Equatable, CaseIterable {
            case below = "<"
            case atMost = "<="
            case above = ">"
            case atLeast = ">="
        }
        public var relation: Relation
        /// The bound as a fraction (0.05 = 5%), at least 0.
        public var fraction: Double

        public init(_ relation: Relation, _ fraction: Double) {
            self.relation = relation
            self.fraction = fraction
        }

        /// Whether a distance (signed; NaN: none in range, infinitely far) passes.
        public func admits(_ distance: Double) -> Bool {
            let d = distance.isNaN ? Double.infinity : abs(distance)
            switch relation {
            case .below: return d < fraction
            case .atMost: return d <= fraction
            case .above: return d > fraction
            case .atLeast: return d >= fraction
            }
        }

        public var description: String { "dist\(relation.rawValue)\(fraction)" }
    }

    /// The text terms, lowercased, joined by single spaces (empty: no text condition).
    public var text: String
    public var bounds: [DistanceBound]
    /// The first malformed term and what is wrong with it, or nil.
    public var error: String?

    public init(text: String = "", bounds: [DistanceBound] = [], error: String? = nil) {
        self.text = text
        self.bounds = bounds
        self.error = error
    }

    /// Whether the filter keeps every account.
    public var isEmpty: Bool { text.isEmpty && bounds.isEmpty }

    static let example = "e.g. dist<5%, dist<=0.05, dist>10%"

    /// Parses the filter text (any case, spaces around the comparison allowed: `dist < 5%`).
    public static func parse(_ query: String) -> RowFilter {
        let words = query.lowercased().split(whereSeparator: \.isWhitespace).map(String.init)
        var text: [String] = []
        var filter = RowFilter()
        var i = 0
        while i < words.count {
            var term = words[i]
            i += 1
            guard isDistanceTerm(term) else {
                text.append(term)
                continue
            }
            // `dist < 5%` and `dist <5%` and `dist< 5%`: join the pieces of one term.
            if term == "dist", i < words.count, words[i].first.map(isComparison) == true {
                term += words[i]
                i += 1
            }
            if term.last.map(isComparison) == true, i < words.count, words[i].first.map(startsNumber) == true {
                term += words[i]
                i += 1
            }
            switch bound(term) {
            case .success(let b): filter.bounds.append(b)
            case .failure(let failure):
                if filter.error == nil {
                    filter.error = "filter term '\(TextCell.sanitize(term))': \(failure.message) (\(example))"
                }
            }
        }
        filter.text = text.joined(separator: " ")
        return filter
    }

    /// Whether account `a` of `t` passes every term.
    public func matches(_ a: Int, in t: AccountTable) -> Bool {
        if !bounds.isEmpty {
            // Never analysed: its distance is unknown, so no bound holds.
            guard t.analysedAt[a] > -.infinity else { return false }
            for b in bounds where !b.admits(t.distance[a]) { return false }
        }
        guard !text.isEmpty else { return true }
        let q = text
        return t.ids[a].lowercased().contains(q) || t.names[a].lowercased().contains(q)
            || t.state[a].name.contains(q) || t.largestExposure[a].asset.lowercased() == q
            || (q.count >= 2 && t.largestExposure[a].asset.lowercased().contains(q))
    }

    private struct Failure: Error { var message: String }

    private static func isComparison(_ c: Character) -> Bool { c == "<" || c == ">" || c == "=" || c == "!" }

    private static func startsNumber(_ c: Character) -> Bool {
        (c.isASCII && c.isNumber) || c == "." || c == "+" || c == "-"
    }

    /// `dist` alone or `dist` followed by a comparison; `distance` or `distinct` are text.
    private static func isDistanceTerm(_ word: String) -> Bool {
        guard word.hasPrefix("dist") else { return false }
        let rest = word.dropFirst(4)
        return rest.isEmpty || rest.first.map(isComparison) == true
    }

    private static func bound(_ term: String) -> Result<DistanceBound, Failure> {
        let rest = Substring(term.dropFirst(4))
        let op = rest.prefix { isComparison($0) }
        guard !op.isEmpty else {
            return .failure(Failure(message: "expected <, <=, > or >= after dist"))
        }
        guard let relation = DistanceBound.Relation(rawValue: String(op)) else {
            return .failure(Failure(message: "'\(op)' is not a comparison: use <, <=, > or >="))
        }
        var number = rest.dropFirst(op.count)
        guard !number.isEmpty else { return .failure(Failure(message: "expected a number after '\(op)'")) }
        var scale = 1.0
        if number.last == "%" {
            number = number.dropLast()
            scale = 0.01
        }
        // Digits, one point, an optional sign: no exponents, no `nan` or `inf`.
        let digits = number.drop { $0 == "+" || $0 == "-" }
        let plain =
            !digits.isEmpty && digits.count >= number.count - 1
            && digits.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ".") } && digits.filter { $0 == "." }.count <= 1
            && digits.contains { $0.isNumber }
        guard plain, let value = Double(String(number)) else {
            return .failure(Failure(message: "'\(number)' is not a number"))
        }
        guard value >= 0 else {
            return .failure(Failure(message: "the bound is on |distance|, so it must be 0 or more"))
        }
        return .success(DistanceBound(relation, value * scale))
    }
}
