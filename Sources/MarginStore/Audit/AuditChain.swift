import Crypto

/// The hash chain of the audit log: each row stores the previous row's hash (`prev_hash`) and
/// its own (`hash`), SHA-256 over every column of the row, so an edited, removed or inserted
/// row breaks the chain where it stands.
///
/// ```
/// hash = hex(SHA-256(field("margintop.audit/1") || field(prev_hash) || field(seq) || field(at_ms)
///                    || field(operator) || field(action) || field(payload)))
/// field(x) = the byte length of x's UTF-8 as 8 bytes big-endian, then those bytes
/// ```
/// `seq` and `at_ms` are written in decimal (`-` for a negative number, no leading zeros);
/// hashes are 64 lowercase hexadecimal digits. The first row's `prev_hash` is ``genesis``.
/// PostgreSQL computes the same function in SQL (`mt_audit_hash`, used by migration v3).
///
/// ```swift
/// let h = AuditChain.hash(prev: AuditChain.genesis, seq: 1, at: 1_800_000_000_000,
///                         operator: "alice", action: "import", payload: "{}")
/// ```
public enum AuditChain {
    /// The `prev_hash` of the first row: 64 zeros.
    public static let genesis = String(repeating: "0", count: 64)
    /// The first field of every hashed row: names the encoding, so a later one cannot be confused with it.
    public static let tag = "margintop.audit/1"

    /// The hash of the row `seq` chained after `prev`.
    public static func hash(
        prev: String, seq: Int64, at: Int64, operator op: String, action: String, payload: String
    ) -> String {
        hex(SHA256.hash(data: canonical(prev: prev, seq: seq, at: at, operator: op, action: action, payload: payload)))
    }

    /// The bytes hashed for a row: every field length-prefixed, so no two rows share them.
    public static func canonical(
        prev: String, seq: Int64, at: Int64, operator op: String, action: String, payload: String
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128 + op.utf8.count + action.utf8.count + payload.utf8.count)
        for text in [tag, prev, String(seq), String(at), op, action, payload] {
            let n = UInt64(text.utf8.count)
            for shift in stride(from: 56, through: 0, by: -8) {
                out.append(UInt8(truncatingIfNeeded: n >> UInt64(shift)))
            }
            out.append(contentsOf: text.utf8)
        }
        return out
    }

    /// A row ready to insert: its sequence number and its columns in ``insertSQL``'s order.
    struct Row {
        var seq: Int64
        var values: [SQLValue]
    }

    static let insertSQL = insertSQL(into: "audit_log")

    static func insertSQL(into table: String) -> String {
        "INSERT INTO \(table) (seq, at_ms, operator, action, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)"
    }

    /// The row that follows `head` (the last row's `seq` and `hash`, `nil` for an empty log).
    static func next(
        after head: [SQLValue]?, at: Int64, operator op: String, action: String, payload: String
    ) throws(StoreError) -> Row {
        let last = head?[0].int ?? 0
        let prev = head.map { $0[1].text ?? "" } ?? genesis
        let (seq, overflow) = last.addingReportingOverflow(1)
        if overflow { throw .database("the audit log's last row has seq \(last): no row can follow it") }
        let h = hash(prev: prev, seq: seq, at: at, operator: op, action: action, payload: payload)
        return Row(
            seq: seq, values: [.int(seq), .int(at), .text(op), .text(action), .text(payload), .text(prev), .text(h)])
    }

    /// SHA-256 of `bytes` in lowercase hexadecimal.
    public static func sha256(_ bytes: [UInt8]) -> String { hex(SHA256.hash(data: bytes)) }

    static func hex(_ digest: SHA256.Digest) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for b in digest {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
