import MarginCore
import MarginTUI

/// A ReviewService in memory, for reduce/render tests only. Can be told to fail.
public actor InMemoryReviewService: ReviewService {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The reviews, newest first, as the store would list them.
    public private(set) var rows: [Review] = []
    public private(set) var opened: [(ids: [Int64], note: String, operator: String, metrics: [ReviewMetrics])] = []
    public var failNext: String?
    private var next: Int64 = 1
    private let clock: @Sendable () -> Double

    public init(clock: @escaping @Sendable () -> Double = { 0 }) { self.clock = clock }

    public func setFailNext(_ message: String?) { failNext = message }

    private func checkFailure() throws {
        if let f = failNext {
            failNext = nil
            throw Failure(description: f)
        }
    }

    public func openReviews(accountIds: [String], note: String, operator op: String, metrics: [ReviewMetrics])
        async throws
        -> [Int64]
    {
        try checkFailure()
        var ids: [Int64] = []
        for a in accountIds {
            let id = next
            next += 1
            ids.append(id)
            let now = clock()
            let m = metrics.first { $0.accountId == a }
            let opening = ReviewTransition(status: .open, operator: op, at: now, note: note, metrics: m)
            rows.insert(
                Review(
                    id: id, account: a, status: .open, version: 1, openedBy: op, openedAt: now, updatedAt: now,
                    transitions: [opening]), at: 0)
        }
        opened.append((ids, note, op, metrics))
        return ids
    }

    public func listReviews() async throws -> [Review] {
        try checkFailure()
        return rows
    }

    /// Moves the review on as the store does: refused when someone moved it on since `version`
    /// or when the lifecycle forbids the move; an empty note is no note.
    private func move(_ id: Int64, _ version: Int, to next: ReviewStatus, note: String) throws {
        guard let i = rows.firstIndex(where: { $0.id == id }) else { throw Failure(description: "no review \(id)") }
        guard rows[i].version == version else {
            throw Failure(
                description: "conflict: review \(id) is at version \(rows[i].version), you acted on version \(version)")
        }
        guard rows[i].status.canMove(to: next) else {
            throw Failure(description: "review \(id) is \(rows[i].status.rawValue): it cannot become \(next.rawValue)")
        }
        let now = clock()
        rows[i].status = next
        rows[i].updatedAt = now
        rows[i].version += 1
        rows[i].transitions.append(
            ReviewTransition(
                status: next, operator: rows[i].openedBy, at: now,
                note: note.isEmpty ? nil : note, metrics: nil))
    }

    public func acknowledge(id: Int64, version: Int, note: String) async throws {
        try checkFailure()
        try move(id, version, to: .acknowledged, note: note)
    }

    public func resolve(id: Int64, version: Int, outcome: ReviewOutcome, note: String) async throws {
        try checkFailure()
        try move(id, version, to: outcome.status, note: note)
    }
}

/// Performs review effects against a service and feeds the results back, as the app does.
public func runReviewEffects(_ effects: [Effect], on service: any ReviewService, state: inout AppState) async {
    var queue = effects
    while !queue.isEmpty {
        let e = queue.removeFirst()
        var result: Action?
        switch e {
        case .openReviews(let ids, let note, let op, let metrics):
            do {
                result = .reviewsStored(
                    ids: try await service.openReviews(accountIds: ids, note: note, operator: op, metrics: metrics))
            } catch {
                result = .reviewFailed(String(describing: error))
            }
        case .loadReviews:
            do { result = .reviewsLoaded(try await service.listReviews()) } catch {
                result = .reviewsLoadFailed(String(describing: error))
            }
        case .acknowledge(let id, let version, let note):
            do {
                try await service.acknowledge(id: id, version: version, note: note)
                result = .reviewUpdated(id: id)
            } catch {
                result = .reviewUpdateFailed(String(describing: error))
            }
        case .resolve(let id, let version, let o, let note):
            do {
                try await service.resolve(id: id, version: version, outcome: o, note: note)
                result = .reviewUpdated(id: id)
            } catch {
                result = .reviewUpdateFailed(String(describing: error))
            }
        default: break
        }
        if let result { queue += drive(&state, result) }
    }
}
