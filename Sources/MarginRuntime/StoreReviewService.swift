import MarginCore
import MarginLive
import MarginStore
import MarginTUI

/// The dashboard's review actions on the account store. Each call returns only
/// once the store has committed, so the screen says "stored" only for durable reviews.
/// Metrics are recomputed by the store at the moment of each transition, at the
/// live prices the engine holds now.
public struct StoreReviewService: ReviewService {
    let store: any AccountStore
    let engine: LiveEngine

    public init(store: any AccountStore, engine: LiveEngine, operatorName: String) {
        self.store = store
        self.engine = engine
        self.operatorName = operatorName
    }

    public func openReviews(accountIds: [String], note: String, operator op: String, metrics: [ReviewMetrics])
        async throws -> [Int64]
    {
        // One transaction: all the marked accounts or none, with the figures the dialog showed.
        try await store.openReviews(
            accounts: accountIds, operator: op, note: note, prices: await engine.currentPrices(), confirmed: metrics
        ).map(\.id)
    }

    public func listReviews() async throws -> [Review] {
        try await store.reviews(status: nil)
    }

    public func acknowledge(id: Int64, version: Int, note: String) async throws {
        _ = try await store.transitionReview(
            id: id, to: .acknowledged, expectedVersion: version, operator: currentOperator(),
            note: note.isEmpty ? nil : note, prices: await engine.currentPrices())
    }

    public func resolve(id: Int64, version: Int, outcome: ReviewOutcome, note: String) async throws {
        _ = try await store.transitionReview(
            id: id, to: outcome.status, expectedVersion: version, operator: currentOperator(),
            note: note.isEmpty ? nil : note, prices: await engine.currentPrices())
    }

    let operatorName: String
    func currentOperator() -> String { operatorName }
}
