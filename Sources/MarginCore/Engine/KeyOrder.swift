/// Stable orders of many rows by numeric keys, by radix (the screen re-sorts a million rows on
/// every snapshot): ties keep their positions, as a stable comparison sort would.
public enum KeyOrder {
    /// `x`'s bits as an unsigned key in the order of `<` on doubles (`-0` and `+0` equal; NaN
    /// after `+infinity` when its sign bit is clear, before `-infinity` when set).
    @inline(__always)
    public static func orderedBits(_ x: Double) -> UInt64 {
        let b = (x + 0.0).bitPattern
        return b >> 63 == 1 ? ~b : b | (1 << 63)
    }

    /// The positions `0..<keys.count` ordered by `keys` ascending, equal keys in position order.
    /// Least significant digit first, 16 bits a pass; a pass whose digit every key shares is skipped.
    public static func ascending(_ keys: [UInt64]) -> [Int] {
        let n = keys.count
        guard n > 2_048 else {
            return (0..<n).sorted { keys[$0] != keys[$1] ? keys[$0] < keys[$1] : $0 < $1 }
        }
        var order = [Int32](unsafeUninitializedCapacity: n) { b, c in
            for i in 0..<n { b[i] = Int32(i) }
            c = n
        }
        var next = [Int32](repeating: 0, count: n)
        var counts = [Int](repeating: 0, count: 1 << 16)
        keys.withUnsafeBufferPointer { key in
            for pass in 0..<4 {
                let shift = UInt64(pass * 16)
                for i in counts.indices { counts[i] = 0 }
                for k in key { counts[Int((k >> shift) & 0xFFFF)] += 1 }
                if counts.contains(n) { continue }
                var sum = 0
                for i in counts.indices {
                    let c = counts[i]
                    counts[i] = sum
                    sum += c
                }
                order.withUnsafeBufferPointer { from in
                    next.withUnsafeMutableBufferPointer { to in
                        for p in from {
                            let d = Int((key[Int(p)] >> shift) & 0xFFFF)
                            to[counts[d]] = p
                            counts[d] += 1
                        }
                    }
                }
                swap(&order, &next)
            }
        }
        return order.map { Int($0) }
    }
}
