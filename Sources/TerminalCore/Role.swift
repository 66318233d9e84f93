/// What a cell means; the theme turns a role into colours and attributes.
///
/// Views speak in roles, never in colours, so golden screens stay the same
/// under every theme and `NO_COLOR` needs no special case in the views.
public enum Role: String, Sendable, CaseIterable, Equatable {
    case text, dim, title, titleAccent, footer, footerKey, tableHeader, sortedHeader, selected, marked
    case safe, warning, danger, liquidatable, bankrupt, stale, flash
    case positive, negative, hypothetical, dialog, dialogTitle, input, error, ok, bar, sparkline, border

    /// One character per role for golden files.
    public var mark: Character {
        switch self {
        case .text: "."
        case .dim: ","
        case .title: "T"
        case .titleAccent: "A"
        case .footer: "f"
        case .footerKey: "k"
        case .tableHeader: "h"
        case .sortedHeader: "H"
        case .selected: "S"
        case .marked: "m"
        case .safe: "s"
        case .warning: "w"
        case .danger: "d"
        case .liquidatable: "l"
        case .bankrupt: "b"
        case .stale: "z"
        case .flash: "F"
        case .positive: "+"
        case .negative: "-"
        case .hypothetical: "Y"
        case .dialog: "D"
        case .dialogTitle: "E"
        case .input: "i"
        case .error: "!"
        case .ok: "o"
        case .bar: "="
        case .sparkline: "~"
        case .border: "#"
        }
    }
}
