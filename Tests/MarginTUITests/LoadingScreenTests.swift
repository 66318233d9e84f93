import MarginTUI
import Testing

/// The screen before the first snapshot, while the book is read and compiled (``AppState/loading``).
@Suite struct LoadingScreenTests {
    func lines(_ s: AppState) -> [String] {
        render(s).text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    @Test func saysWhatItIsDoingAndOnlyOffersQuit() {
        var s = AppState(operatorName: "alice", readOnly: false)
        s.rows = 24
        s.cols = 100
        s.loading = "reading the book from sqlite:/data/book.sqlite"
        let l = lines(s)
        #expect(l[0].contains("LOADING") && l[0].contains("reading the book from sqlite:/data/book.sqlite…"))
        #expect(!l[0].contains("STARTING"))
        #expect(l[2].contains("Reading the book from sqlite:/data/book.sqlite…"))
        #expect(l[23].trimmingCharacters(in: .whitespaces) == "q quit")
        // Without it, the dashboard's own start: waiting for the live loop's first snapshot.
        s.loading = nil
        let waiting = lines(s)
        #expect(waiting[0].contains("STARTING") && waiting[2].contains("Waiting for the live book…"))
        #expect(waiting[23].contains("? help"))
    }

    @Test func aControlCharacterInTheStoreNameReachesNoCell() {
        var s = AppState(operatorName: "alice", readOnly: false)
        s.rows = 24
        s.cols = 100
        s.loading = "reading the book from sqlite:/tmp/a\u{1B}[2Jb"
        let text = render(s).text
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        #expect(!text.contains("\u{1B}"))
    }
}
