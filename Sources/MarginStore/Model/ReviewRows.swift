import MarginCore

/// Review rows as both backends read and write them, and the checks both apply.
enum ReviewRows {
    static let reviewColumns = ["id", "account_id", "status", "version", "opened_by", "opened_at_ms", "updated_at_ms"]
    static let reviewTypes: [ColumnType] = [.int, .text, .text, .int, .text, .int, .int]
    static let transitionColumns =
        [
            "review_id", "version", "status", "operator", "at_ms", "note", "equity",
            "adjusted_equity", "initial_margin", "maintenance_margin", "margin_ratio", "state",
            "distance_to_liquidation",
        ] + confirmedColumns
    static let transitionTypes: [ColumnType] =
        [
            .int, .int, .text, .text, .int, .text, .double, .double, .double,
            .double, .double, .text, .double,
        ] + confirmedTypes
    /// The figures the operator confirmed (schema v2), beside those recomputed at commit.
    static let confirmedColumns = [
        "confirmed_equity", "confirmed_adjusted_equity", "confirmed_initial_margin",
        "confirmed_maintenance_margin", "confirmed_margin_ratio", "confirmed_state",
        "confirmed_distance_to_liquidation", "confirmed_at_ms",
    ]
    static let confirmedTypes: [ColumnType] = [.double, .double, .double, .double, .double, .text, .double, .int]

    /// Reviews (`r`) with their transitions (`t`), one row per transition: one statement, so one
    /// consistent read in either backend. Add a `WHERE` on `r` and ``joinedOrder``.
    static let joinedSelect =
        "SELECT "
        + (reviewColumns.map { "r." + $0 } + transitionColumns.map { "t." + $0 })
        .joined(separator: ", ") + " FROM reviews r LEFT JOIN review_transitions t ON t.review_id = r.id"
    static let joinedOrder = "ORDER BY r.id DESC, t.version"
    static let joinedTypes = reviewTypes + transitionTypes

    /// A review's status as its latest transition gives it (the stored one when it has none), for
    /// a `WHERE` on `r`: the status filter agrees with the status ``reviews(joined:)`` shows.
    static let derivedStatus =
        "coalesce((SELECT t2.status FROM review_transitions t2 WHERE t2.review_id = r.id "
        + "ORDER BY t2.version DESC LIMIT 1), r.status)"

    /// Reviews, in row order, from ``joinedSelect`` rows, as their transitions tell them
    /// (``derived(_:lastVersion:)``).
    static func reviews(joined rows: [[SQLValue]]) throws(StoreError) -> [Review] {
        var reviews: [Review] = []
        var lastVersions: [Int] = []
        let split = reviewColumns.count
        for row in rows {
            let head = Array(row[..<split])
            if reviews.last?.id != head[0].int {
                reviews.append(try review(head))
                lastVersions.append(0)
            }
            let tail = Array(row[split...])
            if tail[0] != .null, let i = reviews.indices.last {
                reviews[i].transitions.append(try transition(tail, account: reviews[i].account))
                lastVersions[i] = Int(clamping: tail[1].int ?? 0)
            }
        }
        return zip(reviews, lastVersions).map { derived($0, lastVersion: $1) }
    }

    /// The review as its transitions (append-only, each recorded in the audit chain) tell it: the
    /// status and time of the latest, its version, the operator and time of the opening. A stored
    /// row edited behind the store's back (`UPDATE reviews SET status = ...`) changes nothing
    /// shown; `audit verify` reports it.
    static func derived(_ r: Review, lastVersion: Int) -> Review {
        guard let first = r.transitions.first, let last = r.transitions.last else { return r }
        var d = r
        d.status = last.status
        d.version = lastVersion
        d.openedBy = first.operator
        d.openedAt = first.at
        d.updatedAt = last.at
        return d
    }

    static func review(_ r: [SQLValue]) throws(StoreError) -> Review {
        guard let id = r[0].int, let account = r[1].text, let statusText = r[2].text,
            let status = ReviewStatus(rawValue: statusText), let version = r[3].int, let by = r[4].text,
            let opened = r[5].int, let updated = r[6].int
        else {
            throw BookAssembler.corrupt("reviews", "columns")
        }
        return Review(
            id: id, account: account, status: status, version: Int(version), openedBy: by,
            openedAt: Millis.seconds(opened), updatedAt: Millis.seconds(updated), transitions: [])
    }

    /// The transition in a `transitionColumns` row of a review of `account` (the metrics are
    /// stamped with the transition's time).
    static func transition(_ r: [SQLValue], account: String) throws(StoreError) -> ReviewTransition {
        guard let statusText = r[2].text, let status = ReviewStatus(rawValue: statusText),
            let op = r[3].text, let atMillis = r[4].int
        else {
            throw BookAssembler.corrupt("review_transitions", "columns")
        }
        let at = Millis.seconds(atMillis)
        var metrics: ReviewMetrics?
        if let e = r[6].double, let ae = r[7].double, let im = r[8].double, let mm = r[9].double, let st = r[11].text {
            metrics = ReviewMetrics(
                accountId: account, equity: e, adjustedEquity: ae, initialMargin: im,
                maintenanceMargin: mm, marginRatio: r[10].double, state: st,
                distanceToLiquidation: r[12].double, computedAt: at)
        }
        var confirmed: ReviewMetrics?
        if let e = r[13].double, let ae = r[14].double, let im = r[15].double, let mm = r[16].double,
            let st = r[18].text
        {
            confirmed = ReviewMetrics(
                accountId: account, equity: e, adjustedEquity: ae, initialMargin: im,
                maintenanceMargin: mm, marginRatio: r[17].double, state: st,
                distanceToLiquidation: r[19].double, computedAt: r[20].int.map(Millis.seconds) ?? at)
        }
        return ReviewTransition(
            status: status, operator: op, at: at, note: r[5].text, metrics: metrics, confirmed: confirmed)
    }

    static func transitionValues(
        review: Int64, version: Int, status: ReviewStatus, operator op: String, at: Int64,
        note: String?, metrics m: ReviewMetrics?, confirmed c: ReviewMetrics? = nil
    ) -> [SQLValue] {
        [
            .int(review), SQLValue(version), .text(status.rawValue), .text(op), .int(at), SQLValue(note),
            SQLValue(m?.equity), SQLValue(m?.adjustedEquity), SQLValue(m?.initialMargin),
            SQLValue(m?.maintenanceMargin),
            SQLValue(m?.marginRatio), SQLValue(m?.state), SQLValue(m?.distanceToLiquidation),
            SQLValue(c?.equity), SQLValue(c?.adjustedEquity), SQLValue(c?.initialMargin),
            SQLValue(c?.maintenanceMargin), SQLValue(c?.marginRatio), SQLValue(c?.state),
            SQLValue(c?.distanceToLiquidation),
            c.flatMap { Millis.from(seconds: $0.computedAt) }.map { .int($0) } ?? .null,
        ]
    }

    /// Refuses a move that the rules or the caller's version forbid.
    static func check(_ current: Review, to next: ReviewStatus, expectedVersion: Int?) throws(StoreError) {
        if let v = expectedVersion, v != current.version {
            throw .conflict(review: current.id, expected: v, found: current.version)
        }
        guard current.status.canMove(to: next) else {
            throw .illegalTransition(review: current.id, from: current.status, to: next)
        }
    }

    static func audit(_ r: [SQLValue]) throws(StoreError) -> AuditEntry {
        guard let seq = r[0].int, let at = r[1].int, let op = r[2].text, let action = r[3].text,
            let payload = r[4].text, let prev = r[5].text, let hash = r[6].text
        else {
            throw BookAssembler.corrupt("audit_log", "columns")
        }
        return AuditEntry(
            seq: seq, at: Millis.seconds(at), operator: op, action: action, payload: payload, prevHash: prev,
            hash: hash)
    }
}
