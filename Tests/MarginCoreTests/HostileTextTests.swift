import Foundation
import Testing

@testable import MarginCore

/// Control characters from a book never reach a text output raw (issue 10, item 13).
@Suite struct HostileTextTests {
    /// Sets the window title, writes the clipboard (OSC 52), clears the screen (CSI 2J), and a C1 CSI.
    static let hostile = "Evil\u{1B}]0;pwned\u{07}\u{1B}]52;c;cm0gLXJmIH4=\u{07}\u{1B}[2J\u{9B}31m\u{7F}\nX"

    static func hasControl(_ s: String, allowing ends: Set<Unicode.Scalar> = ["\n", "\r"]) -> Bool {
        s.unicodeScalars.contains { TextCell.isControl($0) && !ends.contains($0) }
    }

    @Test func controlsAreShownTheWayCatVShowsThem() {
        #expect(TextCell.escapeControls("a\u{1B}]0;t\u{07}b") == "a^[]0;t^Gb")
        #expect(TextCell.escapeControls("\u{0}\u{1F}\u{7F}\u{80}\u{9B}\u{9F}") == "^@^_^?M-^@M-^[M-^_")
        #expect(TextCell.escapeControls("line\nnext\r\t") == "line^Jnext^M^I")
        // Letters, emoji and joiners are data, kept as they are.
        let plain = "Alpha Fund 東京 👩‍💻 é"
        #expect(TextCell.escapeControls(plain) == plain)
        #expect(!HostileTextTests.hasControl(TextCell.escapeControls(HostileTextTests.hostile), allowing: []))
    }

    @Test func jsonEscapesC0DelAndC1() {
        #expect(JSONWriter.quote("\u{1B}[2J\u{9B}\u{7F}\u{85}") == #""\u001b[2J\u009b\u007f\u0085""#)
    }

    @Test func csvAndTableCarryNoControlCharacter() throws {
        let name = JSONWriter.quote(HostileTextTests.hostile)
        let book = try testBook(
            accounts: """
                [{"id": "A\\u001b[2J", "name": \(name), "model": "standard",
                  "subaccounts": [{"id": "main", "collateral": [{"asset": "USDC", "amount": 1000}], "positions": []}]}]
                """)
        let snap = try Snapshot.compute(book: book, asOf: nil, model: nil)
        let csv = snap.csv()
        #expect(!HostileTextTests.hasControl(csv))
        #expect(csv.contains("A^[[2J,Evil^[]0;pwned^G^[]52;c;cm0gLXJmIH4=^G^[[2JM-^[31m^?^JX,standard"))
        #expect(csv.split(separator: "\r\n").count == 2)
        #expect(!HostileTextTests.hasControl(snap.table()))
    }
}
