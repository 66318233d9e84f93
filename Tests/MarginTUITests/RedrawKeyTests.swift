import MarginTUI
import MarginTUITestSupport
import Testing

/// Ctrl-L (issue 12, item 6): a full repaint from every screen, dialog and prompt, changing nothing else.
@Suite struct RedrawKeyTests {
    static let snap = Fixtures.snapshot()

    @Test func ctrlLAsksForARepaintOnEveryScreen() {
        var s = Fixtures.state(snapshot: Self.snap)
        #expect(drive(&s, .key(.ctrl("l"))) == [.redrawScreen])
        #expect(s.screen == .overview && !s.quit)

        var drill = s
        _ = drive(&drill, .key(.enter))
        #expect(drive(&drill, .key(.ctrl("l"))) == [.redrawScreen])
        #expect(drill.screen == .drill)

        var help = s
        _ = drive(&help, .key(.char("?")))
        #expect(drive(&help, .key(.ctrl("l"))) == [.redrawScreen])
        #expect(help.showHelp, "Ctrl-L repaints the help; it does not close it as other keys do")
    }

    @Test func ctrlLLeavesTextBeingTypedAlone() {
        var s = Fixtures.state(snapshot: Self.snap)
        for k: Key in [.char("/"), .char("d"), .char("a")] { _ = drive(&s, .key(k)) }
        #expect(drive(&s, .key(.ctrl("l"))) == [.redrawScreen])
        #expect(s.filterEdit?.text == "da")

        var d = Fixtures.state(snapshot: Self.snap)
        _ = drive(&d, .key(.char("L")))
        for c in "ca" { _ = drive(&d, .key(.char(c))) }
        #expect(drive(&d, .key(.ctrl("l"))) == [.redrawScreen])
        #expect(d.dialog?.note.text == "ca")
    }
}
