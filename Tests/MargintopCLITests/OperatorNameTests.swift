import Foundation
import Testing
import ThreadTestSupport

/// `--operator` names who acts in the audit trail: an empty or control-character name is bad
/// usage, refused before anything is opened or written (issue 10, item 16).
@Suite struct OperatorNameTests {
    @Test(arguments: ["", "  ", "mallory\u{1B}[2J", "a\nb", "x\u{9B}"])
    func aNameTheAuditCannotHoldIsExit64(_ name: String) async throws {
        let book = CLITests.fixtures.appendingPathComponent("example-book.json").path
        let db =
            "sqlite:"
            + FileManager.default.temporaryDirectory
            .appendingPathComponent("margintop-op-\(UUID().uuidString).sqlite").path
        for args in [
            ["import", book, "--store", db], ["review", "open", "ACC-1001", "--note", "n", "--store", db],
            ["review", "ack", "1", "--store", db], ["review", "resolve", "1", "--outcome", "dismissed", "--store", db],
            ["dashboard", "--store", db], [],
        ] {
            let r = try await offThread { try CLITests.runBlocking(args + ["--operator", name], stdin: nil) }
            #expect(r.status == 64, "\(args): \(r.stderr)")
            #expect(r.stderr.contains("operator name"), "\(args): \(r.stderr)")
            #expect(!r.stderr.contains("\u{1B}"))
        }
        #expect(!FileManager.default.fileExists(atPath: String(db.dropFirst("sqlite:".count))))
    }
}
