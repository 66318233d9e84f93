import Foundation
import MarginCore
import MarginLive
import MarginStore
import MarginTUI

/// The dashboard's review actions on the account store. Each call returns only
/// once the store has committed, so the screen says "stored" only for durable reviews.
/// Metrics are recomputed by the store at the moment of each transition, at the
/// live prices the engine holds now.
struct StoreReviewService: ReviewService {
    let store: any AccountStore
    let engine: LiveEngine

    func openReviews(accountIds: [String], note: String, operator op: String, metrics: [ReviewMetrics]) async throws -> [String] {
        let prices = await engine.currentPrices()
        var ids: [String] = []
        for account in accountIds {
            let r = try await store.openReview(account: account, operator: op, note: note, prices: prices)
            ids.append(String(r.id))
        }
        return ids
    }

    func listReviews() async throws -> [ReviewRow] {
        try await store.reviews(status: nil).map { r in
            ReviewRow(id: String(r.id), accountId: r.account,
                      status: MarginTUI.ReviewStatus(rawValue: r.status.rawValue) ?? .open,
                      operator: r.openedBy, openedAt: r.openedAt.timeIntervalSince1970,
                      updatedAt: r.updatedAt.timeIntervalSince1970, note: r.notes.last ?? "", version: r.version)
        }
    }

    func acknowledge(id: String, version: Int, note: String) async throws {
        guard let n = Int64(id) else { throw StoreReviewError(message: "no review \(id)") }
        _ = try await store.transitionReview(id: n, to: .acknowledged, expectedVersion: version, operator: currentOperator(),
                                             note: note.isEmpty ? nil : note, prices: await engine.currentPrices())
    }

    func resolve(id: String, version: Int, outcome: MarginTUI.ReviewOutcome, note: String) async throws {
        guard let n = Int64(id) else { throw StoreReviewError(message: "no review \(id)") }
        let next: MarginStore.ReviewStatus = outcome == .liquidated ? .liquidated : .dismissed
        _ = try await store.transitionReview(id: n, to: next, expectedVersion: version, operator: currentOperator(),
                                             note: note.isEmpty ? nil : note, prices: await engine.currentPrices())
    }

    let operatorName: String
    func currentOperator() -> String { operatorName }
}

struct StoreReviewError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
