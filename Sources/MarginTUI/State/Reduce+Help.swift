/// Keys while the help overlay shows: it scrolls (as the drill-down does) and closes with Esc, `?` or `q`;
/// any other key does nothing (so a key pressed to try it is not also acted on behind the help).
func helpKey(_ s: inout AppState, _ key: Key) -> [Effect] {
    let layout = HelpLayout(s)
    let page = max(1, layout.visible - 1)
    s.helpScroll = min(s.helpScroll, layout.maxScroll)
    switch key {
    case .escape, .char("?"), .char("q"):
        s.showHelp = false
        s.helpScroll = 0
    case .down, .char("j"): s.helpScroll = min(layout.maxScroll, s.helpScroll + 1)
    case .up, .char("k"): s.helpScroll = max(0, s.helpScroll - 1)
    case .pageDown, .ctrl("f"), .char(" "): s.helpScroll = min(layout.maxScroll, s.helpScroll + page)
    case .pageUp, .ctrl("b"): s.helpScroll = max(0, s.helpScroll - page)
    case .home, .char("g"): s.helpScroll = 0
    case .end, .char("G"): s.helpScroll = layout.maxScroll
    default: break
    }
    return []
}
