import MarginCore

extension Role {
    /// The role that shows an account state.
    public static func of(_ s: AccountState) -> Role {
        switch s {
        case .safe: .safe
        case .warning: .warning
        case .danger: .danger
        case .liquidatable: .liquidatable
        case .bankrupt: .bankrupt
        }
    }
}
