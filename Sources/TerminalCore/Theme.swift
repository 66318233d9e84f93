import Foundation

/// Colours and attributes per ``Role``, read from `Themes/<name>.toml`.
///
/// A theme file only lists what it changes; every other role keeps the
/// `default` theme's style. `NO_COLOR` (any non-empty value) drops colours and
/// keeps attributes. The accepted TOML subset:
///
/// ```toml
/// name = "light"
/// [liquidatable]
/// fg = "red"        # default, black..white, bright-red.., or 0-255
/// bold = true       # bold, reverse, underline, dim
/// ```
public struct Theme: Sendable, Equatable {
    public var name: String
    public var styles: [Role: RoleStyle]

    public static let builtinNames = ["default", "light", "high-contrast", "monochrome"]

    public func style(_ role: Role) -> RoleStyle { styles[role] ?? RoleStyle() }

    /// The style table with colours removed (for `NO_COLOR` and terminals without colours).
    ///
    /// The roles that colour alone told apart (the states, the cursor, flashes, marks, the sorted column)
    /// take the `monochrome` theme's attributes, so that they stay apart: the cursor bold and underlined
    /// rather than reverse video, which liquidatable and bankrupt rows use.
    public func withoutColor() -> Theme {
        var t = self
        for (r, s) in styles {
            t.styles[r] = RoleStyle(bold: s.bold, reverse: s.reverse, underline: s.underline, dim: s.dim)
        }
        let mono = (try? Theme.builtin("monochrome", base: Theme.fallbackDefault)) ?? Theme.fallbackMonochrome
        for r in Theme.toldApartByColour {
            let m = mono.style(r)
            t.styles[r] = RoleStyle(bold: m.bold, reverse: m.reverse, underline: m.underline, dim: m.dim)
        }
        return t
    }

    /// Roles whose themes tell them apart by colour.
    static let toldApartByColour: [Role] = [
        .selected, .marked, .sortedHeader, .safe, .warning, .danger, .liquidatable, .bankrupt, .stale, .flash,
    ]

    /// The attributes of `Themes/monochrome.toml` for ``toldApartByColour``, when the bundle is unavailable.
    static let fallbackMonochrome = Theme(
        name: "monochrome",
        styles: [
            .selected: RoleStyle(bold: true, underline: true), .marked: RoleStyle(bold: true, underline: true),
            .sortedHeader: RoleStyle(bold: true, reverse: true), .safe: RoleStyle(),
            .warning: RoleStyle(underline: true), .danger: RoleStyle(bold: true),
            .liquidatable: RoleStyle(bold: true, reverse: true),
            .bankrupt: RoleStyle(bold: true, reverse: true, underline: true), .stale: RoleStyle(dim: true),
            .flash: RoleStyle(reverse: true),
        ])

    /// Parses theme text over `base` (the default theme unless given).
    public static func parse(_ text: String, file: String, base: Theme? = nil) throws -> Theme {
        var theme = base ?? Theme.fallbackDefault
        var section: Role?
        let lines: [TOMLLite.Line]
        do { lines = try TOMLLite.lines(text) } catch {
            throw ThemeError(file: file, line: error.line, message: error.message)
        }
        for item in lines {
            let entry: TOMLLite.Entry
            switch item {
            case .section(let key, let lineNo):
                guard let role = Role(rawValue: key) else {
                    throw ThemeError(
                        file: file, line: lineNo,
                        message: "unknown section [\(key)]; expected one of: "
                            + Role.allCases.map(\.rawValue).joined(separator: ", "))
                }
                section = role
                continue
            case .entry(let e): entry = e
            }
            let (key, value, lineNo) = (entry.key, entry.value, entry.line)
            guard let role = section else {
                guard key == "name" else {
                    throw ThemeError(
                        file: file, line: lineNo, message: "unknown key '\(key)' (only 'name' may precede a section)")
                }
                theme.name = try string(value, key: key, file: file, line: lineNo)
                continue
            }
            let label = "\(role.rawValue).\(key)"
            var style = theme.styles[role] ?? RoleStyle()
            switch key {
            case "fg", "bg":
                let s = try string(value, key: label, file: file, line: lineNo)
                guard let c = ThemeColor(name: s) else {
                    throw ThemeError(
                        file: file, line: lineNo,
                        message: "key '\(label)': unknown colour \"\(s)\" "
                            + "(use default, a colour name like red or bright-blue, or 0-255)")
                }
                if key == "fg" { style.fg = c } else { style.bg = c }
            case "bold": style.bold = try bool(value, key: label, file: file, line: lineNo)
            case "reverse": style.reverse = try bool(value, key: label, file: file, line: lineNo)
            case "underline": style.underline = try bool(value, key: label, file: file, line: lineNo)
            case "dim": style.dim = try bool(value, key: label, file: file, line: lineNo)
            default:
                throw ThemeError(
                    file: file, line: lineNo,
                    message: "unknown key '\(label)'; expected fg, bg, bold, reverse, underline or dim")
            }
            theme.styles[role] = style
        }
        return theme
    }

    private static func string(_ v: String, key: String, file: String, line: Int) throws -> String {
        guard v.count >= 2, v.hasPrefix("\""), v.hasSuffix("\"") else {
            throw ThemeError(file: file, line: line, message: "key '\(key)': expected a quoted string, got \(v)")
        }
        return String(v.dropFirst().dropLast())
    }

    private static func bool(_ v: String, key: String, file: String, line: Int) throws -> Bool {
        switch v {
        case "true": return true
        case "false": return false
        default: throw ThemeError(file: file, line: line, message: "key '\(key)': expected true or false, got \(v)")
        }
    }

    /// Loads a built-in theme by name, or a theme file by path (anything with `/` or ending in `.toml`),
    /// over the default theme. `environment["NO_COLOR"]` non-empty strips colours.
    public static func load(_ nameOrPath: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> Theme
    {
        let base = try builtinDefault()
        var theme: Theme
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".toml") {
            guard let data = FileManager.default.contents(atPath: nameOrPath),
                let text = String(data: data, encoding: .utf8)
            else {
                throw ThemeError(file: nameOrPath, line: 0, message: "cannot read the file (check the path)")
            }
            theme = try parse(text, file: nameOrPath, base: base)
        } else {
            guard builtinNames.contains(nameOrPath) else {
                throw ThemeError(
                    file: nameOrPath, line: 0,
                    message: "no built-in theme '\(nameOrPath)'; choose one of "
                        + builtinNames.joined(separator: ", ") + " or give a path to a .toml file")
            }
            theme = try builtin(nameOrPath, base: base)
        }
        if let nc = environment["NO_COLOR"], !nc.isEmpty { theme = theme.withoutColor() }
        return theme
    }

    /// The text of a built-in theme file from the package's `Themes` folder.
    public static func builtinText(_ name: String) -> String? {
        guard let url = Bundle.module.url(forResource: name, withExtension: "toml", subdirectory: "Themes"),
            let data = try? Data(contentsOf: url)
        else { return nil }
        return String(data: data, encoding: .utf8)
    }

    static func builtinDefault() throws -> Theme {
        guard let text = builtinText("default") else { return fallbackDefault }
        return try parse(text, file: "Themes/default.toml", base: fallbackDefault)
    }

    static func builtin(_ name: String, base: Theme) throws -> Theme {
        if name == "default" { return base }
        guard let text = builtinText(name) else {
            throw ThemeError(
                file: "Themes/\(name).toml", line: 0, message: "built-in theme file missing from the bundle")
        }
        return try parse(text, file: "Themes/\(name).toml", base: base)
    }

    /// Used when the bundle is unavailable; matches `Themes/default.toml`'s intent.
    public static let fallbackDefault: Theme = {
        func s(_ fg: Int?, _ bg: Int? = nil, bold: Bool = false, reverse: Bool = false) -> RoleStyle {
            RoleStyle(
                fg: fg.map { .indexed($0) } ?? .terminalDefault, bg: bg.map { .indexed($0) } ?? .terminalDefault,
                bold: bold, reverse: reverse)
        }
        let styles: [Role: RoleStyle] = [
            .title: s(0, 6, bold: true), .titleAccent: s(11, 6, bold: true), .footer: s(7, 8),
            .footerKey: s(11, 8, bold: true),
            .tableHeader: s(6, bold: true), .sortedHeader: s(11, bold: true), .selected: s(nil, reverse: true),
            .marked: s(13, bold: true), .safe: s(2), .warning: s(3), .danger: s(208), .liquidatable: s(9, bold: true),
            .bankrupt: s(15, 1, bold: true), .stale: s(8), .flash: s(0, 11, bold: true), .positive: s(2),
            .negative: s(1),
            .hypothetical: s(0, 13, bold: true), .dialog: s(15, 4), .dialogTitle: s(11, 4, bold: true), .input: s(0, 7),
            .error: s(15, 1, bold: true), .ok: s(0, 2, bold: true), .bar: s(6), .sparkline: s(14), .border: s(8),
            .dim: s(8),
        ]
        return Theme(name: "default", styles: styles)
    }()
}
