import Testing

@testable import MarginCore

/// The es model's top-k selection (spec 3.3): the two-pass vector selection keeps exactly the
/// losses, bits and order of the streaming insertion it short-cuts, ties and signed zeros included.
@Suite struct TopLossesTests {
    enum Shape: CaseIterable { case smooth, ties, zeros, infinite, constant }

    static func pnl(_ shape: Shape, count n: Int, _ rng: inout SplitMix64) -> [Double] {
        (0..<n).map { _ in
            let u = rng.nextUnit()
            switch shape {
            case .smooth: return (u - 0.5) * 1e5
            case .ties: return (u * 6).rounded(.down) - 3
            case .zeros: return u < 0.5 ? 0.0 : -0.0
            case .infinite: return u < 0.02 ? -.infinity : (u < 0.04 ? .infinity : u - 0.5)
            case .constant: return 42
            }
        }
    }

    static func select(_ values: [Double], k: Int, bounded: Bool) -> [UInt64]? {
        var v = values
        let top = UnsafeMutablePointer<Double>.allocate(capacity: k)
        let candidates = UnsafeMutablePointer<Double>.allocate(capacity: 64)
        defer {
            top.deallocate()
            candidates.deallocate()
        }
        return v.withUnsafeMutableBufferPointer { p -> [UInt64]? in
            if bounded {
                guard
                    Evaluator.boundedTopLosses(p.baseAddress!, count: p.count, k: k, into: top, candidates: candidates)
                else { return nil }
            } else {
                Evaluator.streamingTopLosses(p.baseAddress!, count: p.count, k: k, into: top)
            }
            return (0..<k).map { top[$0].bitPattern }
        }
    }

    @Test(arguments: Shape.allCases)
    func vectorSelectionKeepsTheStreamingResult(shape: Shape) {
        var rng = SplitMix64(seed: 7)
        var compared = 0
        for trial in 0..<400 {
            let n = 1 + Int(rng.nextUnit() * 700)
            let k = (n + 39) / 40
            let values = Self.pnl(shape, count: n, &rng)
            let want = Self.select(values, k: k, bounded: false)
            guard let got = Self.select(values, k: k, bounded: true) else {
                // Only too few scenarios for its lanes, or more than 64 kept, may fall back.
                #expect(n / 8 < (k + 7) / 8 || k > 64, "trial \(trial): n \(n) fell back")
                continue
            }
            compared += 1
            #expect(got == want, "trial \(trial): n \(n), k \(k)")
        }
        #expect(compared > 300)
    }

    @Test func aNaNFallsBackToTheStreamingSelection() {
        var values = Array(repeating: 1.0, count: 250)
        values[137] = .nan
        #expect(Self.select(values, k: 7, bounded: true) == nil)
        values[137] = 1
        values[249] = .nan
        #expect(Self.select(values, k: 7, bounded: true) == nil)
    }
}
