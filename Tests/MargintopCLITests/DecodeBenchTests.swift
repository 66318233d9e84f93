import Foundation
import MarginCore
import Testing
import ThreadTestSupport

/// `bench --decode --book FILE` (issue 13, item 1) times the strict book decode as `validate` runs
/// it, and reports a file it cannot read or a book that is invalid as `validate` does.
@Suite struct DecodeBenchTests {
    func run(_ args: [String]) async throws -> CLITests.Run {
        try await offThread { try CLITests.runBlocking(args, stdin: nil) }
    }

    @Test func timesTheBookDecode() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("decode-bench-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let book = dir.appendingPathComponent("book.json").path
        let text = BookEncoder.encode(DemoBook.generate(accounts: 40, seed: 2), pretty: false)
        try text.write(toFile: book, atomically: true, encoding: .utf8)

        let r = try await run(["bench", "--decode", "--book", book, "--runs", "3", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let v = try JSONParser.parse(r.stdout)
        #expect(v["mode"]?.stringValue == "decode-book")
        #expect(v["accounts"]?.numberValue == 40 && v["bytes"]?.numberValue == Double(text.utf8.count))
        #expect(v["seconds"]?.arrayValue?.count == 3 && v["cpuSeconds"]?.arrayValue?.count == 3)
        #expect((v["megabytesPerSecond"]?.numberValue ?? 0) > 0)

        let plain = try await run(["bench", "--decode", "--book", book, "--runs", "1"])
        #expect(plain.status == 0 && plain.stdout.contains("40 accounts") && plain.stdout.contains("MB/s"))

        // The same errors as validate: a missing file (1), an invalid book (65, file and path).
        let missing = try await run(["bench", "--decode", "--book", dir.appendingPathComponent("no.json").path])
        #expect(missing.status == 1 && missing.stderr.contains("no such file"), "\(missing.stderr)")
        let bad = dir.appendingPathComponent("bad.json").path
        try text.replacingOccurrences(of: "\"quantity\":", with: "\"quantity\":\"1\",\"q\":").write(
            toFile: bad, atomically: true, encoding: .utf8)
        let invalid = try await run(["bench", "--decode", "--book", bad])
        let validate = try await run(["validate", bad])
        #expect(invalid.status == 65 && validate.status == 65)
        #expect(
            invalid.stderr == validate.stderr && invalid.stderr.contains("bad.json: accounts["), "\(invalid.stderr)")
    }
}
