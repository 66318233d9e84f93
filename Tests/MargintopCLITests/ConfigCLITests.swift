import Foundation
import Testing
import ThreadTestSupport

/// `config.toml` on the real binary (issue 12, item 16): a bad key or value in the file is exit 65 naming
/// the key and the file, a bad option 64 naming the option, a missing `--config` file 1; all before any
/// terminal is needed (stdin here is not one).
@Suite(.serialized) struct ConfigCLITests {
    struct Run {
        var status: Int32
        var stderr: String
    }

    static func run(_ args: [String], configHome: String) throws -> Run {
        let p = Process()
        p.executableURL = CLITests.binary
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["XDG_CONFIG_HOME"] = configHome
        env["XDG_DATA_HOME"] = configHome + "/data"
        env["XDG_STATE_HOME"] = configHome + "/state"
        p.environment = env
        let err = Pipe()
        p.standardOutput = FileHandle.nullDevice
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, stderr: String(decoding: e, as: UTF8.self))
    }

    @Test func badConfigIsNamedAndCommandLineIsChecked() async throws {
        try await offThread {
            let home = NSTemporaryDirectory() + "mt-config-cli-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: home + "/margintop", withIntermediateDirectories: true)
            let file = home + "/margintop/config.toml"
            try "theme = \"light\"\nsort = \"distance\"\ncolumns = [\"id\", \"colour\"]\n".write(
                toFile: file, atomically: true, encoding: .utf8)

            let bad = try Self.run([], configHome: home)
            #expect(bad.status == 65, "\(bad.stderr)")
            #expect(bad.stderr.contains("config \(file):3: key 'columns': unknown column 'colour'"), "\(bad.stderr)")

            // --config names another file; a good one gets as far as the terminal check (exit 1, no TTY).
            let other = home + "/other.toml"
            try "near = 0.1\noperator = \"alice\"\n".write(toFile: other, atomically: true, encoding: .utf8)
            let good = try Self.run(["--config", other], configHome: home)
            #expect(good.status == 1 && good.stderr.contains("needs a terminal"), "\(good.stderr)")

            let missing = try Self.run(["--config", home + "/nope.toml"], configHome: home)
            #expect(missing.status == 1 && missing.stderr.contains("nope.toml: no such file"), "\(missing.stderr)")

            let option = try Self.run(["--config", other, "--columns", "id,bogus"], configHome: home)
            #expect(option.status == 64 && option.stderr.contains("--columns id,bogus: unknown column 'bogus'"))
            let sort = try Self.run(["--config", other, "--sort", "size"], configHome: home)
            #expect(sort.status == 64 && sort.stderr.contains("--sort size"), "\(sort.stderr)")
        }
    }
}
