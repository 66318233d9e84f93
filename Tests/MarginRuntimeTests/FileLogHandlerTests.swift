import Foundation
import Logging
import Testing

@testable import MarginRuntime

/// A feed sample in the log can neither forge a line nor plant escape sequences (issue 10, item 13).
@Suite struct FileLogHandlerTests {
    @Test func aHostileSampleIsOneLineWithItsControlsShown() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("margintop-log-\(UUID().uuidString)")
            .path
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        var logger = Logger(label: "feed") { label in FileLogHandler(label: label, file: handle) }
        logger[metadataKey: "sample"] = "\u{1B}[2J"
        logger.warning(
            "feed binance skipped (malformed): {\"s\":\"\u{1B}]0;pwned\u{07}\"}\n2026-12-01T00:00:00.000Z info forged")
        try handle.close()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.filter { $0 == "\n" }.count == 1 && text.hasSuffix("\n"))
        #expect(!text.unicodeScalars.dropLast().contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
        #expect(text.contains(#"{"s":"^[]0;pwned^G"}^J2026-12-01T00:00:00.000Z info forged sample=^[[2J"#))
    }
}
