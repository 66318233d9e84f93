import ArgumentParser
import MarginCore

/// `--operator NAME`, defaulting to the login name.
public struct OperatorOption: ParsableArguments {
    @Option(name: .customLong("operator"), help: "Who acts (default: the login name).")
    public var name: String?

    public init() {}

    public func validate() throws {
        try Self.check(name)
    }

    /// Refuses a name the audit trail cannot hold (exit 64): empty or blank, or with a control character.
    public static func check(_ name: String?) throws {
        guard let name else { return }
        if name.allSatisfy(\.isWhitespace) { throw ValidationError("--operator: the operator name is empty") }
        if name.unicodeScalars.contains(where: TextCell.isControl) {
            throw ValidationError("--operator: the operator name holds a control character")
        }
    }

    var resolved: String { name ?? StoreCLI.loginName() }
}
