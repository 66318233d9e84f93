import MarginCore

extension Role {
    /// The role that shows an account state (`error`, an account whose figures are not
    /// finite, in the most severe colour: its name says which it is).
    public static func of(_ s: AccountState) -> Role {
        switch s {
        case .safe: .safe
        case .warning: .warning
        case .danger: .danger
        case .liquidatable: .liquidatable
        case .bankrupt, .error: .bankrupt
        }
    }
}
