import Foundation
import MarginCore
import Testing
import ThreadTestSupport

/// `demo-book` writes compact JSON unless `--pretty` (issue 13, item 6): the same keys in the same
/// order and the same number texts, only the whitespace differs; `--pretty` is the old layout.
@Suite struct CompactBookTests {
    func run(_ args: [String]) async throws -> CLITests.Run {
        try await offThread { try CLITests.runBlocking(args, stdin: nil) }
    }

    /// `text` without the whitespace outside string literals.
    static func squeezed(_ text: String) -> String {
        var out = ""
        var inString = false
        var escaped = false
        for c in text {
            if inString {
                out.append(c)
                if escaped {
                    escaped = false
                } else if c == "\\" {
                    escaped = true
                } else if c == "\"" {
                    inString = false
                }
            } else if c == "\"" {
                inString = true
                out.append(c)
            } else if !c.isWhitespace {
                out.append(c)
            }
        }
        return out
    }

    @Test func demoBookIsCompactByDefaultAndPrettyOnRequest() async throws {
        let args = ["demo-book", "--accounts", "25", "--seed", "5"]
        let compact = try await run(args)
        let pretty = try await run(args + ["--pretty"])
        #expect(compact.status == 0 && pretty.status == 0, "\(compact.stderr) \(pretty.stderr)")
        let book = DemoBook.generate(accounts: 25, seed: 5)

        // --pretty is today's layout byte for byte.
        #expect(pretty.stdout == BookEncoder.encode(book, pretty: true))
        #expect(pretty.stdout.hasPrefix("{\n  \"format\": \"margintop.book/1\",\n"))

        // Compact: one line, and nothing but the whitespace differs.
        #expect(compact.stdout.hasPrefix("{\"format\":\"margintop.book/1\",\"asOf\":"))
        #expect(compact.stdout.filter { $0 == "\n" }.count == 1 && compact.stdout.hasSuffix("}\n"))
        #expect(compact.stdout.utf8.count * 10 < pretty.stdout.utf8.count * 7)
        #expect(compact.stdout == Self.squeezed(pretty.stdout) + "\n")

        // Both decode to the same book, the generated one.
        let fromCompact = try BookDecoder.decode(Array(compact.stdout.utf8))
        #expect(fromCompact == (try BookDecoder.decode(Array(pretty.stdout.utf8))))
        #expect(fromCompact == book)
    }

    @Test func demoBookOutFileIsCompactToo() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "margintop-compact-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("book.json").path
        let r = try await run(["demo-book", "--accounts", "4", "--seed", "2", "--out", path])
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == BookEncoder.encode(DemoBook.generate(accounts: 4, seed: 2), pretty: false))
        let v = try await run(["validate", path])
        #expect(v.status == 0 && v.stdout.contains("4 accounts"), "\(v.stderr)")
    }
}
