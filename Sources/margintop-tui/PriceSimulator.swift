import Foundation
import MarginCore
import MarginLive

/// Random walks on a book's non-stable assets, as batches of index updates.
///
/// `rate` ticks a second in total, spread over the assets; batches every 20 ms.
/// Deterministic for a seed apart from wall-clock pacing.
struct PriceSimulator: AsyncSequence, Sendable {
    typealias Element = [PriceUpdate]
    var assets: [(name: String, price: Double, vol: Double)]
    var rate: Double
    var seed: UInt64

    init(book: Book, rate: Double, seed: UInt64) {
        assets = book.assets.filter { !$0.stable }.map { ($0.name, $0.effectivePrice, $0.vol ?? 0.6) }
        self.rate = rate; self.seed = seed
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        var sim: PriceSimulator
        var prices: [Double]
        var rng: SeededRandom
        var owed = 0.0
        var last = Date().timeIntervalSince1970

        mutating func next() async -> [PriceUpdate]? {
            guard !sim.assets.isEmpty, sim.rate > 0 else { return nil }
            while true {
                if Task.isCancelled { return nil }
                try? await Task.sleep(nanoseconds: 20_000_000)
                let now = Date().timeIntervalSince1970
                let from = last
                owed += (now - last) * sim.rate
                last = now
                let n = Int(owed)
                guard n > 0 else { continue }
                owed -= Double(n)
                var batch: [PriceUpdate] = []
                batch.reserveCapacity(n)
                for k in 0..<n {
                    let a = Int(rng.next() % UInt64(sim.assets.count))
                    // The asset's own vol over one tick interval, so the live vol factor stays near 1.
                    let sd = sim.assets[a].vol * (Double(sim.assets.count) / Swift.max(1, sim.rate) / (365 * 86400)).squareRoot()
                    prices[a] *= exp(sd * rng.normal())
                    // Exchange times spread over the interval, so the vol EWMA sees real time steps.
                    let t = from + (now - from) * Double(k + 1) / Double(n)
                    batch.append(PriceUpdate(symbol: sim.assets[a].name, kind: .index, value: prices[a], time: t, received: now))
                }
                return batch
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(sim: self, prices: assets.map(\.price), rng: SeededRandom(seed: seed))
    }
}
