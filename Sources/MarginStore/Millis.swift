import MarginCore

/// Milliseconds since the epoch, the form every timestamp is stored in (exact in both databases);
/// the domain holds seconds since the epoch, converted here at the SQL edge.
enum Millis {
    /// The clock's time now, in milliseconds.
    static func now(_ clock: any MarginClock) -> Int64 { Int64((clock.now * 1000).rounded()) }
    static func seconds(_ ms: Int64) -> Double { Double(ms) / 1000 }
    /// Seconds as milliseconds; `nil` when they are not a representable time.
    static func from(seconds s: Double) -> Int64? {
        let ms = (s * 1000).rounded()
        return ms.isFinite && abs(ms) < 9e15 ? Int64(ms) : nil
    }
}
