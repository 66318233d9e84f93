import Foundation
import MarginCore

/// `bench --decode --book FILE`: the strict book decode as `validate`, `import` and
/// `snapshot --book` run it (the file read included), timed `runs` times.
public enum BookDecodeBench {
    public struct Figures: Sendable {
        public var bytes: Int
        public var accounts: Int
        public var positions: Int
        /// Wall seconds of each run, in order.
        public var seconds: [Double]
        /// The thread's CPU seconds of each run (the figure to read on a loaded machine).
        public var cpuSeconds: [Double]
        /// Peak RSS after the first run (later runs reuse the heap the first one freed).
        public var peakRSSMiB: Double

        static func median(_ x: [Double]) -> Double {
            let s = x.sorted()
            return s.isEmpty ? 0 : s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        }
        public var medianSeconds: Double { Self.median(seconds) }
        public var medianCPUSeconds: Double { Self.median(cpuSeconds) }
        public var megabytesPerSecond: Double { Double(bytes) / 1e6 / medianSeconds }
        public var accountsPerSecond: Double { Double(accounts) / medianSeconds }

        public func json() -> JSONValue {
            .object([
                ("mode", .string("decode-book")), ("bytes", .integer(bytes)), ("accounts", .integer(accounts)),
                ("positions", .integer(positions)), ("runs", .integer(seconds.count)),
                ("medianSeconds", .number(medianSeconds)), ("megabytesPerSecond", .number(megabytesPerSecond)),
                ("accountsPerSecond", .number(accountsPerSecond)), ("medianCPUSeconds", .number(medianCPUSeconds)),
                ("seconds", .array(seconds.map { .number($0) })),
                ("cpuSeconds", .array(cpuSeconds.map { .number($0) })),
                ("peakRSSMiB", .number(peakRSSMiB)),
            ])
        }

        public func text(file: String) -> String {
            String(
                format: "%@: %.1f MB, %d accounts, %d positions\n"
                    + "decode (strict, file read included): %.3f s median of %d (CPU %.3f s), %.0f MB/s, "
                    + "%.0f accounts/s; peak RSS %.0f MiB\n",
                TextCell.escapeControls(file), Double(bytes) / 1e6, accounts, positions, medianSeconds,
                seconds.count, medianCPUSeconds, megabytesPerSecond, accountsPerSecond, peakRSSMiB)
        }
    }

    /// Decodes `path` `runs` times. A file that cannot be read gives `nil` (the caller reports it
    /// as `validate` does); an invalid book throws its ``BookError``.
    public static func run(path: String, runs: Int) throws(BookError) -> Figures? {
        guard let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int else {
            return nil
        }
        let clock = ContinuousClock()
        var seconds: [Double] = []
        var cpu: [Double] = []
        var peak = 0.0
        var accounts = 0
        var positions = 0
        for _ in 0..<runs {
            let t0 = clock.now
            let c0 = KernelBench.threadCPUms()
            guard let book = try BookDecoder.decode(fileAtPath: path) else { return nil }
            cpu.append((KernelBench.threadCPUms() - c0) / 1000)
            let d = clock.now - t0
            seconds.append(Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
            if peak == 0 { peak = peakRSSMiB() }
            accounts = book.accounts.count
            positions = book.accounts.reduce(0) { $0 + $1.subaccounts.reduce(0) { $0 + $1.positions.count } }
        }
        return Figures(
            bytes: size, accounts: accounts, positions: positions, seconds: seconds, cpuSeconds: cpu, peakRSSMiB: peak)
    }
}
