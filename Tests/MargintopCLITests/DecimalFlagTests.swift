import Foundation
import Testing

/// Issue 10, item 9 on the command line: numeric flags are plain decimals, as every input number
/// is. ArgumentParser's `Double` takes hex floats, `inf` and `nan`.
@Suite struct DecimalFlagTests {
    @Test(arguments: ["0x1p-2", "0X10", "inf", "nan", "Infinity", "1_0", " 1"])
    func aNonDecimalDurationIsBadUsage(_ text: String) async throws {
        let cli = CLITests()
        let out = try cli.tempFile("", name: "out.ndjson")
        let r = try await cli.run(["record", "--feed", "sim", "--out", out, "--duration", text])
        #expect(r.status == 64, "\(text): \(r.stderr)")
        #expect(r.stderr.contains("--duration"), "\(r.stderr)")
    }

    @Test func decimalDurationsStillWork() async throws {
        let cli = CLITests()
        let out = try cli.tempFile("", name: "out.ndjson")
        let r = try await cli.run(["record", "--feed", "sim", "--out", out, "--duration", "2.5e-1"])
        #expect(r.status == 0, "\(r.stderr)")
        let bench = try await cli.run(["bench", "--live", "--seconds", "0x1p0", "--accounts", "10"])
        #expect(bench.status == 64, "\(bench.stderr)")
        let book = CLITests.fixtures.appendingPathComponent("watch-book.json").path
        for flag in ["--duration", "--summary-every"] {
            let watch = try await cli.run(["watch", "--headless", "--book", book, flag, "0x1p-2"])
            #expect(watch.status == 64, "\(flag): \(watch.stderr)")
        }
    }
}
