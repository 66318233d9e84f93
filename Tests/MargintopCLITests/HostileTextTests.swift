import Foundation
import Testing
import ThreadTestSupport

/// Names and ids with terminal control sequences, through the built binary (issue 10, item 13).
@Suite struct HostileTextCLITests {
    /// OSC 0 (window title), OSC 52 (clipboard), CSI 2J (clear screen), and a C1 CSI.
    static let hostile = #"\u001b]0;pwned\u0007\u001b]52;c;cm0gLXJmIH4=\u0007\u001b[2J\u009b31m"#

    static func hasControl(_ s: String) -> Bool {
        s.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n" && $0 != "\r") || (0x7F...0x9F).contains($0.value) }
    }

    func book(accounts: String) throws -> String {
        let text = try String(
            contentsOf: CLITests.fixtures.appendingPathComponent("example-book.json"), encoding: .utf8)
        guard let start = text.range(of: #""accounts": ["#) else { throw CocoaError(.fileReadCorruptFile) }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "margintop-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("book.json").path
        try Data((text[..<start.lowerBound] + #""accounts": "# + accounts + "}\n").utf8).write(
            to: URL(fileURLWithPath: path))
        return path
    }

    static func account(id: String, name: String) -> String {
        #"{"id": "\#(id)", "name": "\#(name)", "model": "standard", "subaccounts": [{"id": "main", "collateral": [{"asset": "USDC", "amount": 1000}], "positions": []}]}"#
    }

    @Test func snapshotCSVAndTableShowControlsInsteadOfSendingThem() async throws {
        let path = try book(accounts: "[" + Self.account(id: "ACC-1", name: "Evil" + Self.hostile) + "]")
        for format in ["csv", "table"] {
            let r = try await offThread {
                try CLITests.runBlocking(["snapshot", "--book", path, "--format", format], stdin: nil)
            }
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("Evil"), "\(format)")
            #expect(!Self.hasControl(r.stdout), "\(format): \(r.stdout.debugDescription)")
        }
        let csv = try await offThread {
            try CLITests.runBlocking(["snapshot", "--book", path, "--format", "csv"], stdin: nil)
        }
        #expect(csv.stdout.contains("ACC-1,Evil^[]0;pwned^G^[]52;c;cm0gLXJmIH4=^G^[[2JM-^[31m,standard"))
        let json = try await offThread {
            try CLITests.runBlocking(["snapshot", "--book", path, "--format", "json"], stdin: nil)
        }
        #expect(json.stdout.contains(#"Evil\u001b]0;pwned\u0007\u001b]52;c;cm0gLXJmIH4=\u0007\u001b[2J\u009b31m"#))
    }

    @Test func validateShowsADuplicatedHostileIdInsteadOfSendingIt() async throws {
        let id = "X" + Self.hostile
        let path = try book(
            accounts: "[" + Self.account(id: id, name: "a") + ", " + Self.account(id: id, name: "b") + "]")
        let r = try await offThread { try CLITests.runBlocking(["validate", path], stdin: nil) }
        #expect(r.status == 65)
        #expect(!Self.hasControl(r.stderr), "\(r.stderr.debugDescription)")
        #expect(r.stderr.contains(#"duplicate account id "X^[]0;pwned^G^[]52;c;cm0gLXJmIH4=^G^[[2JM-^[31m""#))
        #expect(r.stderr.hasSuffix("\n") && r.stderr.filter { $0 == "\n" }.count == 1)
    }
}
