import Testing

@testable import MarginCore

@Suite struct SplitMix64Tests {
    /// The reference SplitMix64 outputs for seed 0: demo books and simulated feeds rest on them.
    @Test func matchesTheReferenceSequence() {
        var rng = SplitMix64(seed: 0)
        #expect(rng.next() == 0xE220_A839_7B1D_CDAF)
        #expect(rng.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(rng.next() == 0x06C4_5D18_8009_454F)
    }

    @Test func normalsLookNormal() {
        var rng = SplitMix64(seed: 7)
        let n = 100_000
        var sum = 0.0
        var sumSquares = 0.0
        for _ in 0..<n {
            let z = rng.nextNormal()
            #expect(z.isFinite)
            sum += z
            sumSquares += z * z
        }
        #expect(abs(sum / Double(n)) < 0.02)
        #expect(abs(sumSquares / Double(n) - 1) < 0.02)
    }
}
