import Foundation
import Testing
import ThreadTestSupport

/// Where output goes at the edges: a reader that closes early, a full disk, and `--out` paths
/// that are symbolic links, devices or FIFOs (issue 10, items 1 and 4).
@Suite struct OutputEdgeTests {
    struct Run {
        var status: Int32
        var exited: Bool
        var firstLine: String
        var stderr: String
    }

    func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("margintop-out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Runs the binary with a stdout reader that closes after the first line or 64 KiB, whichever
    /// comes first (`| head -1`, `| head -c 65536`: a compact book is one line), or
    /// (`readFirstLine: false`) before reading anything, as `| true` does.
    static func runClosingEarly(_ args: [String], readFirstLine: Bool = true) throws -> Run {
        let p = Process()
        p.executableURL = CLITests.binary
        p.arguments = args
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        var first = Data()
        while readFirstLine && !first.contains(0x0A) && first.count < 65536 {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            first.append(chunk)
        }
        try out.fileHandleForReading.close()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let line = String(decoding: first.prefix { $0 != 0x0A }, as: UTF8.self)
        return Run(
            status: p.terminationStatus, exited: p.terminationReason == .exit, firstLine: line,
            stderr: String(decoding: e, as: UTF8.self))
    }

    /// Runs the binary with stdout on `stdoutPath` (a device such as /dev/full).
    static func run(_ args: [String], stdoutPath: String) throws -> (status: Int32, stderr: String) {
        let p = Process()
        p.executableURL = CLITests.binary
        p.arguments = args
        let err = Pipe()
        guard let sink = FileHandle(forWritingAtPath: stdoutPath) else { throw CocoaError(.fileNoSuchFile) }
        p.standardOutput = sink
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        try sink.close()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: e, as: UTF8.self))
    }

    @Test func aReaderThatClosesEarlyEndsTheCommandQuietly() async throws {
        let dir = try tempDir()
        let book = dir.appendingPathComponent("big.json").path
        let db = "sqlite:" + dir.appendingPathComponent("s.sqlite").path
        // Big enough (2.8 MB pretty, 1.5 MB compact) that the output outlasts the pipe's buffer.
        let made = try await offThread {
            try CLITests.runBlocking(["demo-book", "--accounts", "3000", "--out", book], stdin: nil)
        }
        #expect(made.status == 0, "\(made.stderr)")
        let imported = try await offThread { try CLITests.runBlocking(["import", book, "--store", db], stdin: nil) }
        #expect(imported.status == 0, "\(imported.stderr)")
        for args in [["demo-book", "--accounts", "3000"], ["export", "--store", db]] {
            let r = try await offThread { try OutputEdgeTests.runClosingEarly(args) }
            #expect(r.exited && r.status == 0, "\(args): status \(r.status), \(r.stderr)")
            #expect(r.stderr.isEmpty, "\(args)")
            #expect(r.firstLine.hasPrefix("{\"format\":\"margintop.book/1\","), "\(args)")
        }
        // A snapshot of a large book takes long to compute: its reader goes away before it writes.
        let example = CLITests.fixtures.appendingPathComponent("example-book.json").path
        for format in ["table", "csv", "json"] {
            let args = ["snapshot", "--book", example, "--format", format]
            let r = try await offThread { try OutputEdgeTests.runClosingEarly(args, readFirstLine: false) }
            #expect(r.exited && r.status == 0, "\(args): status \(r.status), \(r.stderr)")
            #expect(r.stderr.isEmpty, "\(args)")
        }
    }

    @Test func aFullDiskIsExit1NamingTheFile() async throws {
        guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
        let onStdout = try await offThread {
            try OutputEdgeTests.run(["demo-book", "--accounts", "5"], stdoutPath: "/dev/full")
        }
        #expect(onStdout.status == 1)
        #expect(onStdout.stderr == "margintop: stdout: cannot write: No space left on device\n")
        let snapshot = try await offThread {
            try OutputEdgeTests.run(
                ["snapshot", "--book", CLITests.fixtures.appendingPathComponent("example-book.json").path],
                stdoutPath: "/dev/full")
        }
        #expect(snapshot.status == 1)
        #expect(snapshot.stderr == "margintop: stdout: cannot write: No space left on device\n")
        let watch = try await offThread {
            try OutputEdgeTests.run(
                [
                    "watch", "--headless", "--book", CLITests.fixtures.appendingPathComponent("example-book.json").path,
                    "--feed", "sim:rate=50", "--duration", "1",
                ], stdoutPath: "/dev/full")
        }
        #expect(watch.status == 1)
        #expect(watch.stderr == "margintop: stdout: cannot write: No space left on device\n")
        for args in [
            ["demo-book", "--accounts", "5", "--out", "/dev/full"],
            ["record", "--feed", "sim:rate=200", "--duration", "0.5", "--out", "/dev/full"],
        ] {
            let r = try await offThread { try CLITests.runBlocking(args, stdin: nil) }
            #expect(r.status == 1, "\(args)")
            #expect(r.stderr == "margintop: /dev/full: cannot write: No space left on device\n", "\(args)")
        }
    }

    /// A full stderr loses the closing line but never kills the recording.
    @Test func recordWithAFullStderrStillEndsCleanly() async throws {
        guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
        let out = try tempDir().appendingPathComponent("ticks.ndjson").path
        let status = try await offThread { () throws -> Int32 in
            let p = Process()
            p.executableURL = CLITests.binary
            p.arguments = ["record", "--feed", "sim:rate=50", "--duration", "0.3", "--out", out]
            guard let full = FileHandle(forWritingAtPath: "/dev/full") else { throw CocoaError(.fileNoSuchFile) }
            p.standardError = full
            p.standardOutput = FileHandle.nullDevice
            p.standardInput = FileHandle.nullDevice
            try p.run()
            try full.close()
            p.waitUntilExit()
            return p.terminationReason == .exit ? p.terminationStatus : -1
        }
        #expect(status == 0)
        #expect(try String(contentsOfFile: out, encoding: .utf8).contains("\"ts\""))
    }

    @Test func outFollowsASymlinkAndKeepsIt() async throws {
        let dir = try tempDir()
        let target = dir.appendingPathComponent("real.json").path
        let link = dir.appendingPathComponent("link.json").path
        try Data("old".utf8).write(to: URL(fileURLWithPath: target))
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "real.json")
        let r = try await offThread {
            try CLITests.runBlocking(["demo-book", "--accounts", "2", "--out", link], stdin: nil)
        }
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "real.json")
        let written = try String(contentsOfFile: target, encoding: .utf8)
        #expect(written.contains("margintop.book/1"))
        // A dangling link: its target is created.
        let dangling = dir.appendingPathComponent("dangling.json").path
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: "new.json")
        let d = try await offThread {
            try CLITests.runBlocking(["demo-book", "--accounts", "2", "--out", dangling], stdin: nil)
        }
        #expect(d.status == 0, "\(d.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dangling) == "new.json")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("new.json").path))
        // A recording follows the link too.
        let tickLink = dir.appendingPathComponent("ticks-link.ndjson").path
        try FileManager.default.createSymbolicLink(atPath: tickLink, withDestinationPath: "ticks.ndjson")
        let rec = try await offThread {
            try CLITests.runBlocking(
                ["record", "--feed", "sim:rate=50", "--duration", "0.3", "--out", tickLink], stdin: nil)
        }
        #expect(rec.status == 0, "\(rec.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: tickLink) == "ticks.ndjson")
        #expect(
            try String(contentsOfFile: dir.appendingPathComponent("ticks.ndjson").path, encoding: .utf8).contains(
                "\"ts\""))
    }

    @Test func outIntoADeviceOrAFIFOWritesStraightIn() async throws {
        let r = try await offThread {
            try CLITests.runBlocking(["demo-book", "--accounts", "2", "--out", "/dev/null"], stdin: nil)
        }
        #expect(r.status == 0, "\(r.stderr)")
        var st = stat()
        #expect(lstat("/dev/null", &st) == 0 && (st.st_mode & S_IFMT) == S_IFCHR)

        let fifo = try tempDir().appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let read = try await offThread { () throws -> (CLITests.Run, String) in
            // Open the reading end first without blocking, so a binary that replaced the FIFO cannot hang the test.
            let fd = open(fifo, O_RDONLY | O_NONBLOCK)
            guard fd >= 0 else { throw CocoaError(.fileReadNoPermission) }
            defer { close(fd) }
            let p = Process()
            p.executableURL = CLITests.binary
            p.arguments = ["demo-book", "--accounts", "2", "--out", fifo]
            let err = Pipe()
            p.standardError = err
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline {
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                _ = poll(&pfd, 1, 100)
                let n = Glibc.read(fd, &buffer, buffer.count)
                if n > 0 {
                    bytes += buffer[0..<n]
                } else if n == 0 && (!bytes.isEmpty || !p.isRunning) {
                    break  // the writer closed (or never came)
                }
            }
            let e = err.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            let run = CLITests.Run(status: p.terminationStatus, stdout: "", stderr: String(decoding: e, as: UTF8.self))
            return (run, String(decoding: bytes, as: UTF8.self))
        }
        #expect(read.0.status == 0, "\(read.0.stderr)")
        #expect(read.1.contains("margintop.book/1"))
        #expect(lstat(fifo, &st) == 0 && (st.st_mode & S_IFMT) == S_IFIFO)
    }
}
