import MarginCore

/// Checks a store's audit trail, written once for both backends: the hash chain row by row in
/// `seq` order, then each review replayed from its transitions (the append-only record) and set
/// against its stored row and against the audit rows that recorded each step.
struct AuditVerifier {
    /// A review step as an audit row recorded it.
    struct ReviewAudit {
        var seq: Int64
        var action: String
        var op: String
        var at: Int64
        var payload: JSONValue
    }

    /// Every column of the audit log, as the chain hashes them (SQLite's loose types read back as
    /// the declared ones: an edit that changed a type changes the text and so the hash).
    static let auditSelect =
        "SELECT seq, CAST(at_ms AS BIGINT), CAST(operator AS TEXT), CAST(action AS TEXT), CAST(payload AS TEXT), "
        + "CAST(prev_hash AS TEXT), CAST(hash AS TEXT) FROM audit_log ORDER BY seq"
    static let auditTypes: [ColumnType] = [.int, .int, .text, .text, .text, .text, .text]

    private(set) var rows = 0
    private(set) var head = AuditChain.genesis
    private var chainProblems: [AuditProblem] = []
    /// Review audit rows by review id, then version.
    private var reviewAudits: [Int64: [Int: ReviewAudit]] = [:]
    /// Review audit rows found unusable while reading (no review named, a second row for a step).
    private var unusable: [(seq: Int64, reason: String)] = []

    /// Reads the trail on `s` (one consistent snapshot) and checks it.
    static func run(on s: some SQLSession) async throws -> AuditReport {
        var v = AuditVerifier()
        try await s.forEachRow(auditSelect, [], types: auditTypes) { v.add($0) }
        let reviews = try await s.rows(
            "SELECT \(ReviewRows.reviewColumns.joined(separator: ", ")) FROM reviews ORDER BY id",
            types: ReviewRows.reviewTypes)
        let transitions = try await s.rows(
            "SELECT \(ReviewRows.transitionColumns.joined(separator: ", ")) FROM review_transitions "
                + "ORDER BY review_id, version", types: ReviewRows.transitionTypes)
        return v.finish(reviews: reviews, transitions: transitions)
    }

    /// The next audit row (in `seq` order), columns as ``auditSelect`` reads them.
    mutating func add(_ r: [SQLValue]) {
        let seq = r[0].int ?? 0
        let at = r[1].int ?? 0
        let op = r[2].text ?? ""
        let action = r[3].text ?? ""
        let payload = r[4].text ?? ""
        let prev = r[5].text ?? ""
        let hash = r[6].text ?? ""
        if prev != head { chainProblems.append(.brokenLink(seq: seq, expected: head, found: prev)) }
        let computed = AuditChain.hash(prev: prev, seq: seq, at: at, operator: op, action: action, payload: payload)
        if computed != hash { chainProblems.append(.badHash(seq: seq, expected: computed, found: hash)) }
        head = hash
        rows += 1
        guard action.hasPrefix("review.") else { return }
        guard let json = try? JSONParser.parse(payload), let review = json["review"].flatMap(Self.integer),
            let version = json["version"].flatMap(Self.integer)
        else {
            unusable.append((seq, "a \(action) row whose payload names no review and version"))
            return
        }
        let step = Int(clamping: version)
        if let first = reviewAudits[review]?[step] {
            unusable.append(
                (seq, "a second audit row for review \(review) version \(step) (the first is row \(first.seq))"))
            return
        }
        reviewAudits[review, default: [:]][step] = ReviewAudit(
            seq: seq, action: action, op: op, at: at, payload: json)
    }

    /// The report, once every audit row was added: `reviews` in ``ReviewRows/reviewColumns`` and
    /// `transitions` in ``ReviewRows/transitionColumns``, ordered by review and version.
    func finish(reviews: [[SQLValue]], transitions: [[SQLValue]]) -> AuditReport {
        var problems = chainProblems
        var audits = reviewAudits
        var byReview: [Int64: [[SQLValue]]] = [:]
        for t in transitions { byReview[t[0].int ?? -1, default: []].append(t) }
        var seen = Set<Int64>()
        for row in reviews {
            guard let id = row[0].int else { continue }
            seen.insert(id)
            problems += check(review: row, id: id, transitions: byReview[id] ?? [], audits: &audits)
        }
        for id in byReview.keys.sorted() where !seen.contains(id) {
            problems.append(.badTransitions(review: id, reason: "it has transitions but no row in reviews"))
        }
        var left = unusable
        for (review, steps) in audits {
            for (version, a) in steps {
                left.append((a.seq, "records review \(review) version \(version), which has no such transition"))
            }
        }
        problems += left.sorted { $0.seq < $1.seq }.map { .unmatchedAudit(seq: $0.seq, reason: $0.reason) }
        return AuditReport(rows: rows, reviews: seen.count, head: head, problems: problems)
    }

    /// One review: its transitions replayed, its stored row compared with the result, and each
    /// step matched with the audit row that recorded it (taken out of `audits`).
    private func check(
        review row: [SQLValue], id: Int64, transitions ts: [[SQLValue]], audits: inout [Int64: [Int: ReviewAudit]]
    ) -> [AuditProblem] {
        guard let first = ts.first, let last = ts.last else {
            return [.badTransitions(review: id, reason: "it has no transitions")]
        }
        var out: [AuditProblem] = []
        var reasons: [String] = []
        var statuses: [ReviewStatus?] = []
        for (i, t) in ts.enumerated() {
            let v = t[1].int ?? -1
            if v != Int64(i + 1), reasons.isEmpty { reasons.append("version \(i + 1) is missing (next is \(v))") }
            let status = t[2].text.flatMap(ReviewStatus.init(rawValue:))
            statuses.append(status)
            guard let status else {
                reasons.append("version \(v) has status \(Self.shown(t[2]))")
                continue
            }
            if i == 0, status != .open { reasons.append("it opens as \(status.rawValue), not open") }
            if i > 0, let prev = statuses[i - 1], !prev.canMove(to: status) {
                reasons.append("version \(v): \(prev.rawValue) cannot become \(status.rawValue)")
            }
        }
        if !reasons.isEmpty { out.append(.badTransitions(review: id, reason: reasons.joined(separator: "; "))) }

        let storedAccount = Self.shown(row[1])
        var account = storedAccount
        if case .string(let a)? = audits[id]?[1]?.payload["account"] { account = a }
        let derived: [(String, String, String)] = [
            ("status", Self.shown(row[2]), Self.shown(last[2])),
            ("version", Self.shown(row[3]), Self.shown(last[1])),
            ("opened_by", Self.shown(row[4]), Self.shown(first[3])),
            ("opened_at", Self.time(row[5]), Self.time(first[4])),
            ("updated_at", Self.time(row[6]), Self.time(last[4])),
            ("account_id", storedAccount, account),
        ]
        let differences = derived.filter { $0.1 != $0.2 }.map {
            AuditDifference(field: $0.0, stored: $0.1, derived: $0.2)
        }
        if !differences.isEmpty { out.append(.forgedReview(id: id, differences: differences)) }

        for (i, t) in ts.enumerated() {
            guard let status = statuses[i] else { continue }
            let v = Int(clamping: t[1].int ?? -1)
            guard let a = audits[id]?.removeValue(forKey: v) else {
                out.append(
                    .unauditedTransition(
                        review: id, version: v, reason: "no audit row records this \(status.rawValue)"))
                continue
            }
            var wrong: [String] = []
            if a.action != AuditAction.review(status) { wrong.append("action \(a.action)") }
            if a.op != Self.shown(t[3]) { wrong.append("operator \(a.op)") }
            if a.at != t[4].int { wrong.append("time \(Timestamp.format(Millis.seconds(a.at)))") }
            if let recorded = try? ReviewRows.transition(t, account: account),
                let expected = try? JSONParser.parse(
                    AuditPayload.review(
                        id: id, account: account, from: i > 0 ? statuses[i - 1] : nil, to: status, version: v,
                        note: recorded.note, metrics: recorded.metrics, confirmed: recorded.confirmed))
            {
                wrong += Self.differingMembers(expected, a.payload).map { "\($0) in its payload" }
            }
            if !wrong.isEmpty {
                out.append(
                    .unauditedTransition(
                        review: id, version: v,
                        reason: "its audit row \(a.seq) says otherwise: " + wrong.joined(separator: ", ")))
            }
        }
        return out
    }

    /// The keys whose values differ between two objects (numbers compared as numbers).
    static func differingMembers(_ a: JSONValue, _ b: JSONValue) -> [String] {
        guard case .object(let am) = a, case .object(let bm) = b else { return ["everything"] }
        var keys = am.map(\.0)
        for (k, _) in bm where !keys.contains(k) { keys.append(k) }
        return keys.filter { a[$0] != b[$0] }
    }

    static func integer(_ v: JSONValue) -> Int64? {
        switch v {
        case .number(let d): return Int64(exactly: d)
        case .integer(let i): return Int64(i)
        default: return nil
        }
    }

    /// A stored value as text for a report.
    static func shown(_ v: SQLValue) -> String {
        switch v {
        case .null: return "NULL"
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .text(let s): return s
        }
    }

    static func time(_ v: SQLValue) -> String {
        guard case .int(let ms) = v else { return shown(v) }
        return Timestamp.format(Millis.seconds(ms), fixedMilliseconds: true)
    }
}
