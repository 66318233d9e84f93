/// One terminal cell: a grapheme (already sanitised) and its role.
///
/// A wide character occupies its cell and the next; the next is a
/// continuation (`isContinuation`) that backends skip.
public struct Cell: Sendable, Equatable {
    public var text: String
    public var role: Role
    public var isContinuation: Bool

    public init(text: String = " ", role: Role = .text, isContinuation: Bool = false) {
        self.text = text
        self.role = role
        self.isContinuation = isContinuation
    }
}
