import Testing

@testable import MarginCore

/// ``KeyOrder``: the radix order equals a stable comparison sort, ties in position order; the
/// double keys order as `<` does, `-0` and `+0` tied.
@Suite struct KeyOrderTests {
    @Test(arguments: [0, 1, 100, 2_048, 2_049, 70_000])
    func radixOrderIsTheStableSort(count: Int) {
        var rng = SplitMix64(seed: UInt64(count) + 1)
        // Few distinct high digits, many ties: every pass, skipped ones included.
        let keys = (0..<count).map { _ in
            let r = rng.next()
            return r % 3 == 0 ? r : (r & 0xFFFF_0000_0000_00FF) | ((r >> 8) % 5) << 32
        }
        let want = (0..<count).sorted { keys[$0] != keys[$1] ? keys[$0] < keys[$1] : $0 < $1 }
        #expect(KeyOrder.ascending(keys) == want)
    }

    @Test func doubleKeysOrderAsLessThan() {
        let xs: [Double] = [
            3, -0.0, 0.0, -.infinity, .infinity, -2.5, 1e-300, -1e-300, .leastNonzeroMagnitude, -7, 0.0,
        ]
        let order = KeyOrder.ascending(xs.map(KeyOrder.orderedBits))
        let want = xs.indices.sorted { xs[$0] != xs[$1] ? xs[$0] < xs[$1] : $0 < $1 }
        #expect(order == want)
        #expect(KeyOrder.orderedBits(-0.0) == KeyOrder.orderedBits(0.0))
    }
}
