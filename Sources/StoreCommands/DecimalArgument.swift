import ArgumentParser
import MarginCore

/// A numeric command-line value read as a plain decimal (`0.25`, `1e3`), as every input number is:
/// ArgumentParser's `Double` takes `0x1p-2`, `inf` and `nan`, which no flag should.
public struct DecimalArgument: ExpressibleByArgument, Sendable, CustomStringConvertible {
    public let value: Double

    public init(_ value: Double) { self.value = value }

    public init?(argument: String) {
        guard let v = DecimalNumber.parse(argument), v.isFinite else { return nil }
        value = v
    }

    public var description: String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : JSONWriter.number(value)
    }
    public var defaultValueDescription: String { description }
}
