import ArgumentParser

/// `--operator NAME`, defaulting to the login name.
public struct OperatorOption: ParsableArguments {
    @Option(name: .customLong("operator"), help: "Who acts (default: the login name).")
    public var name: String?

    public init() {}

    var resolved: String { name ?? StoreCLI.loginName() }
}
