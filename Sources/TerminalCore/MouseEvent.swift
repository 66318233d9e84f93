/// A mouse event, as the backend decodes it (ncurses mouse events; `--no-mouse` turns them off).
public struct MouseEvent: Sendable, Equatable, Hashable {
    public enum Kind: Sendable, Equatable, Hashable {
        /// Left button pressed and released.
        case click
        /// Two left clicks in quick succession.
        case doubleClick
        case wheelUp, wheelDown
    }
    public var kind: Kind
    /// The cell under the pointer, 0-based.
    public var row: Int
    public var col: Int

    public init(_ kind: Kind, row: Int, col: Int) {
        self.kind = kind
        self.row = row
        self.col = col
    }
}
