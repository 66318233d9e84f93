import Foundation
import MarginTUI

/// A ReviewService in memory, for reduce/render tests only. Can be told to fail.
public actor InMemoryReviewService: ReviewService {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public private(set) var rows: [ReviewRow] = []
    public private(set) var opened: [(ids: [String], note: String, operator: String, metrics: [ReviewMetrics])] = []
    public var failNext: String?
    private var next = 1
    private let clock: @Sendable () -> Double

    public init(clock: @escaping @Sendable () -> Double = { 0 }) { self.clock = clock }

    public func setFailNext(_ message: String?) { failNext = message }

    private func checkFailure() throws {
        if let f = failNext { failNext = nil; throw Failure(description: f) }
    }

    public func openReviews(accountIds: [String], note: String, operator op: String, metrics: [ReviewMetrics]) async throws -> [String] {
        try checkFailure()
        var ids: [String] = []
        for a in accountIds {
            let id = String(format: "rev-%06d", next)
            next += 1
            ids.append(id)
            rows.insert(ReviewRow(id: id, accountId: a, status: .open, operator: op, openedAt: clock(), updatedAt: clock(), note: note), at: 0)
        }
        opened.append((ids, note, op, metrics))
        return ids
    }

    public func listReviews() async throws -> [ReviewRow] {
        try checkFailure()
        return rows
    }

    /// The row at `version`, as the store checks it (a conflict when someone moved it on).
    private func current(_ id: String, _ version: Int) throws -> Int {
        guard let i = rows.firstIndex(where: { $0.id == id }) else { throw Failure(description: "no review \(id)") }
        guard rows[i].version == version else {
            throw Failure(description: "conflict: review \(id) is at version \(rows[i].version), you acted on version \(version)")
        }
        return i
    }

    public func acknowledge(id: String, version: Int, note: String) async throws {
        try checkFailure()
        let i = try current(id, version)
        rows[i].status = .acknowledged; rows[i].note = note; rows[i].updatedAt = clock(); rows[i].version += 1
    }

    public func resolve(id: String, version: Int, outcome: ReviewOutcome, note: String) async throws {
        try checkFailure()
        let i = try current(id, version)
        rows[i].status = outcome == .liquidated ? .liquidated : .dismissed; rows[i].note = note; rows[i].updatedAt = clock()
        rows[i].version += 1
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
            do { result = .reviewsStored(ids: try await service.openReviews(accountIds: ids, note: note, operator: op, metrics: metrics)) } catch {
                result = .reviewFailed(String(describing: error))
            }
        case .loadReviews:
            do { result = .reviewsLoaded(try await service.listReviews()) } catch { result = .reviewsLoadFailed(String(describing: error)) }
        case .acknowledge(let id, let version, let note):
            do { try await service.acknowledge(id: id, version: version, note: note); result = .reviewUpdated(id: id) } catch {
                result = .reviewUpdateFailed(String(describing: error))
            }
        case .resolve(let id, let version, let o, let note):
            do { try await service.resolve(id: id, version: version, outcome: o, note: note); result = .reviewUpdated(id: id) } catch {
                result = .reviewUpdateFailed(String(describing: error))
            }
        default: break
        }
        if let result { queue += drive(&state, result) }
    }
}
