/// Which accounts a sharded watcher owns: shard `index` of `count` (`--shard K/N`).
///
/// An account belongs to shard `ShardSpec.key(of: id) % count`. The key is the contract between
/// every watcher and the store (the `shard_key` column), so it never changes: FNV-1a 64 of the
/// id's UTF-8 bytes, shifted right by one bit so that it is a non-negative `bigint`
/// (`mt_shard_key` computes the same in SQL; `ShardHashTests` pins known values).
///
/// ```swift
/// let spec = try ShardSpec.parse("1/3")
/// spec.owns("ACC-000042")  // ShardSpec.key(of: "ACC-000042") % 3 == 1
/// ```
public struct ShardSpec: Sendable, Hashable, CustomStringConvertible {
    /// `K`, in `0 ..< count`.
    public let index: Int
    /// `N`, at least 1.
    public let count: Int

    /// The most shards one store is split into.
    public static let maxCount = 4_096

    public init(index: Int, count: Int) throws(ShardSpecError) {
        guard count >= 1, count <= ShardSpec.maxCount else {
            throw ShardSpecError("N must be in 1...\(ShardSpec.maxCount), not \(count)")
        }
        guard index >= 0, index < count else { throw ShardSpecError("K must be in 0..<\(count), not \(index)") }
        self.index = index
        self.count = count
    }

    /// `K/N` with decimal digits only (`0/3`, `2/3`); anything else is a ``ShardSpecError``.
    public static func parse(_ text: String) throws(ShardSpecError) -> ShardSpec {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.count <= 9 && $0.allSatisfy(\.isASCIIDigit) }),
            let k = Int(parts[0]), let n = Int(parts[1])
        else { throw ShardSpecError("expected K/N with 0 <= K < N, e.g. 0/3") }
        return try ShardSpec(index: k, count: n)
    }

    public var description: String { "\(index)/\(count)" }

    /// Whether the account with this id is this shard's.
    public func owns(_ id: String) -> Bool { ShardSpec.shard(of: id, count: count) == index }

    /// The shard of `count` that owns the account with this id.
    public static func shard(of id: String, count: Int) -> Int { Int(key(of: id) % Int64(count)) }

    /// The account's distribution key: FNV-1a 64 of the id's UTF-8 bytes, shifted right by one bit.
    public static func key(of id: String) -> Int64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in id.utf8 {
            h ^= UInt64(b)
            h &*= 0x0000_0100_0000_01b3
        }
        return Int64(h >> 1)
    }
}

/// A `--shard K/N` that is not one.
public struct ShardSpecError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
