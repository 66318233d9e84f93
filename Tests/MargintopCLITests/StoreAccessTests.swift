import Foundation
import Testing
import ThreadTestSupport

/// `snapshot --store` and `watch --store` on stores at the edges (issue 10, items 19 and 20):
/// a mistyped path is an error, a read-only store is read.
@Suite struct StoreAccessTests {
    static let setpriv = "/usr/bin/setpriv"

    /// Runs margintop as `nobody` (root ignores file permissions), stdin closed.
    static func runAsNobody(_ args: [String]) throws -> CLITests.Run {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: setpriv)
        p.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", CLITests.binary.path] + args
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return CLITests.Run(
            status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
            stderr: String(decoding: e, as: UTF8.self))
    }

    static func tempDir() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("margintop-access-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.path
    }

    @Test func aMissingNamedStoreIsAnErrorAndIsNotCreated() async throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/no/such/dir/x.sqlite"
        let message = "no store at \(path) (create it with `margintop import FILE --store sqlite:\(path)`)"
        for args in [
            ["snapshot", "--store", "sqlite:" + path],
            ["watch", "--headless", "--store", "sqlite:" + path, "--feed", "sim", "--duration", "1"],
        ] {
            let r = try await offThread { try CLITests.runBlocking(args, stdin: nil) }
            #expect(r.status == 1, "\(args): \(r.stderr)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/no"))
    }

    @Test func aReadOnlyStoreIsReadBySnapshotAndWatch() async throws {
        let dir = try Self.tempDir()
        defer {
            chmod(dir, 0o755)
            try? FileManager.default.removeItem(atPath: dir)
        }
        let path = dir + "/ro.sqlite"
        let book = CLITests.fixtures.appendingPathComponent("watch-book.json").path
        let imported = try await offThread {
            try CLITests.runBlocking(["import", book, "--store", "sqlite:" + path], stdin: nil)
        }
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(chmod(path, 0o444) == 0 && chmod(dir, 0o555) == 0)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let asUser = geteuid() == 0 && FileManager.default.isExecutableFile(atPath: Self.setpriv)
        let run: @Sendable ([String]) throws -> CLITests.Run = {
            asUser ? try Self.runAsNobody($0) : try CLITests.runBlocking($0, stdin: nil)
        }
        let snap = try await offThread { try run(["snapshot", "--store", "sqlite:" + path, "--format", "csv"]) }
        #expect(snap.status == 0, "\(snap.stderr)")
        #expect(snap.stdout.contains("ACC-1"))
        let watch = try await offThread {
            try run(["watch", "--headless", "--store", "sqlite:" + path, "--feed", "sim:rate=5", "--duration", "1"])
        }
        #expect(watch.status == 0, "\(watch.stderr)")
        #expect(watch.stdout.contains(#""store":"connected""#), "\(watch.stdout)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == bytes)
    }
}
