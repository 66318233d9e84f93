import Foundation
import MarginTUI

/// A review store in a JSON-lines file: one event per line (`open`, `acknowledge`, `resolve`),
/// replayed in memory for listing. For the stand-alone dashboard; the real store replaces it.
actor JSONLinesReviewService: ReviewService {
    struct Event: Codable {
        var event: String
        var id: String
        var accountId: String?
        var status: ReviewStatus?
        var note: String
        var `operator`: String?
        var metrics: ReviewMetrics?
        var time: Double
    }

    struct StoreError: Error, CustomStringConvertible {
        var description: String
    }

    let url: URL
    private var rows: [String: ReviewRow] = [:]
    private var order: [String] = []
    private var nextNumber = 1

    init(path: String) throws {
        url = URL(fileURLWithPath: path)
        let fm = FileManager.default
        try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if !fm.fileExists(atPath: path) { _ = fm.createFile(atPath: path, contents: nil) }
        let data = try Data(contentsOf: url)
        let decoder = JSONDecoder()
        var lineNo = 0
        for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            lineNo += 1
            guard let e = try? decoder.decode(Event.self, from: Data(line)) else {
                throw StoreError(description: "\(path), line \(lineNo): not a review event")
            }
            let (r, o, n) = Self.apply(e, rows, order, nextNumber)
            rows = r; order = o; nextNumber = n
        }
    }

    private static func apply(_ e: Event, _ rows: [String: ReviewRow], _ order: [String], _ next: Int)
        -> ([String: ReviewRow], [String], Int) {
        var rows = rows, order = order, next = next
        switch e.event {
        case "open":
            rows[e.id] = ReviewRow(id: e.id, accountId: e.accountId ?? "?", status: .open, operator: e.operator ?? "?",
                                   openedAt: e.time, updatedAt: e.time, note: e.note)
            order.append(e.id)
            if let n = Int(e.id.split(separator: "-").last ?? ""), n >= next { next = n + 1 }
        default:
            if var r = rows[e.id] {
                r.status = e.status ?? r.status
                r.updatedAt = e.time
                if !e.note.isEmpty { r.note = e.note }
                rows[e.id] = r
            }
        }
        return (rows, order, next)
    }

    private func append(_ events: [Event]) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = Data()
        for e in events { data += try enc.encode(e); data.append(UInt8(ascii: "\n")) }
        let h = try FileHandle(forWritingTo: url)
        defer { try? h.close() }
        try h.seekToEnd()
        try h.write(contentsOf: data)
        try h.synchronize()
        for e in events {
            let (r, o, n) = Self.apply(e, rows, order, nextNumber)
            rows = r; order = o; nextNumber = n
        }
    }

    func openReviews(accountIds: [String], note: String, operator op: String, metrics: [ReviewMetrics]) async throws -> [String] {
        let now = Date().timeIntervalSince1970
        var events: [Event] = []
        var ids: [String] = []
        for (k, a) in accountIds.enumerated() {
            let id = String(format: "rev-%06d", nextNumber + k)
            ids.append(id)
            events.append(Event(event: "open", id: id, accountId: a, status: .open, note: note, operator: op,
                                metrics: metrics.first { $0.accountId == a }, time: now))
        }
        try append(events)
        return ids
    }

    func listReviews() async throws -> [ReviewRow] { order.reversed().compactMap { rows[$0] } }

    func acknowledge(id: String, note: String) async throws {
        guard let r = rows[id] else { throw StoreError(description: "no review \(id)") }
        guard r.status == .open else { throw StoreError(description: "review \(id) is \(r.status.rawValue), not open") }
        try append([Event(event: "acknowledge", id: id, status: .acknowledged, note: note, time: Date().timeIntervalSince1970)])
    }

    func resolve(id: String, outcome: ReviewOutcome, note: String) async throws {
        guard let r = rows[id] else { throw StoreError(description: "no review \(id)") }
        guard r.status == .open || r.status == .acknowledged else { throw StoreError(description: "review \(id) is already \(r.status.rawValue)") }
        let st: ReviewStatus = outcome == .liquidated ? .liquidated : .dismissed
        try append([Event(event: "resolve", id: id, status: st, note: note, time: Date().timeIntervalSince1970)])
    }
}
