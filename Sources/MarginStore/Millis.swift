import MarginCore

/// Milliseconds since the epoch, the form every timestamp is stored in (exact in both databases);
/// the domain holds seconds since the epoch, converted here at the SQL edge.
enum Millis {
    static func now() -> Int64 { Int64((SystemClock().now * 1000).rounded()) }
    static func seconds(_ ms: Int64) -> Double { Double(ms) / 1000 }
}
