import Testing

@testable import MarginCore

/// A big book compiled in parts at once has the columns of one pass over its accounts, bit for
/// bit: unit numbers, line offsets and isolated buckets (which follow every pooled unit) included.
@Suite struct ParallelCompileTests {
    static func columns(_ mb: MarginBook) -> [[UInt64]] {
        func bits(_ c: Column<Double>) -> [UInt64] { c.array.map(\.bitPattern) }
        func ints(_ c: Column<Int32>) -> [UInt64] { c.array.map { UInt64(bitPattern: Int64($0)) } }
        return [
            mb.model.array.map { UInt64($0 == .standard ? 0 : $0 == .portfolio ? 1 : 2) },
            bits(mb.cash), bits(mb.entryCost), ints(mb.colStart), ints(mb.colUnit), ints(mb.insUnit),
            ints(mb.colAsset), bits(mb.colAmount), bits(mb.colWeighted), ints(mb.insStart), ints(mb.insInstr),
            bits(mb.insNet), bits(mb.insShort), ints(mb.riskStart), ints(mb.riskRow), bits(mb.riskMult),
            ints(mb.riskGroup), ints(mb.unitAccount), mb.bucketStart.map { UInt64($0) },
            mb.bucketInstrument.map { UInt64($0) },
        ]
    }

    @Test(arguments: [2, 3])
    func partsJoinIntoTheOnePassColumns(threads: Int) {
        let book = DemoBook.generate(accounts: 3_001, seed: 5)
        let one = MarginBook(book: book, threads: 1)
        let parts = MarginBook(book: book, market: nil, modelOverride: nil, threads: threads, parallelFrom: 1_000)
        #expect(one.unitCount > one.accountCount, "the book has isolated buckets")
        #expect(parts.unitCount == one.unitCount && parts.positionCount == one.positionCount)
        #expect(parts.bucketSubaccount == one.bucketSubaccount)
        let (a, b) = (Self.columns(one), Self.columns(parts))
        for k in a.indices { #expect(a[k] == b[k], "column \(k)") }
    }
}
