import Foundation
import MarginTUI
import Testing

@Suite struct ThemeTests {
    @Test(arguments: Theme.builtinNames)
    func builtinThemesLoad(name: String) throws {
        let t = try Theme.load(name, environment: [:])
        #expect(t.name == name)
        for r in Role.allCases { #expect(t.styles[r] != nil, "\(name) lacks \(r)") }
    }

    @Test func partialThemeFallsBackToDefault() throws {
        let base = try Theme.load("default", environment: [:])
        let t = try Theme.parse("name = \"mine\"\n[safe]\nfg = \"blue\" # comment\n", file: "mine.toml", base: base)
        #expect(t.style(.safe).fg == .indexed(4))
        #expect(t.style(.danger) == base.style(.danger))
    }

    @Test func badKeyIsNamed() {
        #expect(
            throws: ThemeError(
                file: "bad.toml", line: 3,
                message: "unknown key 'safe.colour'; expected fg, bg, bold, reverse, underline or dim")
        ) {
            try Theme.parse("# x\n[safe]\ncolour = \"red\"\n", file: "bad.toml")
        }
        do {
            _ = try Theme.parse("[danger]\nfg = \"purple-ish\"\n", file: "bad.toml")
            Issue.record("accepted a bad colour")
        } catch {
            #expect("\(error)".contains("danger.fg") && "\(error)".contains("line 2"))
        }
        do {
            _ = try Theme.parse("[nope]\n", file: "bad.toml")
            Issue.record("accepted a bad section")
        } catch { #expect("\(error)".contains("[nope]")) }
    }

    @Test func noColorStripsColours() throws {
        let t = try Theme.load("default", environment: ["NO_COLOR": "1"])
        for r in Role.allCases {
            #expect(t.style(r).fg == .terminalDefault && t.style(r).bg == .terminalDefault)
        }
        // The cursor is bold and underlined, not reverse video (liquidatable and bankrupt rows are).
        #expect(!t.style(.selected).reverse && t.style(.selected).bold && t.style(.selected).underline)
        #expect(t.style(.bankrupt).reverse)
    }

    @Test func unknownThemeNameIsClear() {
        do {
            _ = try Theme.load("solarized", environment: [:])
            Issue.record("loaded")
        } catch {
            #expect("\(error)".contains("no built-in theme 'solarized'"))
        }
    }
}
