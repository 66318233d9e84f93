/// A terminal colour: the terminal's default, one of the 8 named colours (and
/// their bright variants), or an index into the 256-colour palette.
public enum ThemeColor: Sendable, Equatable {
    case terminalDefault
    case indexed(Int)

    static let names: [String: Int] = [
        "black": 0, "red": 1, "green": 2, "yellow": 3, "blue": 4, "magenta": 5, "cyan": 6, "white": 7,
        "bright-black": 8, "gray": 8, "grey": 8, "bright-red": 9, "bright-green": 10, "bright-yellow": 11,
        "bright-blue": 12, "bright-magenta": 13, "bright-cyan": 14, "bright-white": 15,
    ]

    /// Parses `default`, a colour name, or `0`...`255`.
    public init?(name: String) {
        let n = name.lowercased()
        if n == "default" {
            self = .terminalDefault
            return
        }
        if let i = ThemeColor.names[n] {
            self = .indexed(i)
            return
        }
        if let i = Int(n), (0...255).contains(i) {
            self = .indexed(i)
            return
        }
        return nil
    }
}
