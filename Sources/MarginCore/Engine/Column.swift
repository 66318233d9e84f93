/// A fixed-size column of values for the structure-of-arrays hot paths.
///
/// Reads and writes are unchecked: the engine computes every index it uses
/// from its own compiled tables. A column is owned by one owner at a time
/// (a compiled book, or a live book's actor), which is why it can be Sendable.
public final class Column<Element>: @unchecked Sendable {
    public let base: UnsafeMutablePointer<Element>
    public let count: Int

    public init(_ values: [Element]) {
        count = values.count
        base = .allocate(capacity: Swift.max(values.count, 1))
        values.withUnsafeBufferPointer { src in
            if let s = src.baseAddress { base.initialize(from: s, count: values.count) }
        }
    }

    public init(repeating value: Element, count: Int) {
        self.count = count
        base = .allocate(capacity: Swift.max(count, 1))
        base.initialize(repeating: value, count: count)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    @inline(__always) public subscript(i: Int) -> Element {
        get { base[i] }
        set { base[i] = newValue }
    }

    public var array: [Element] { Array(UnsafeBufferPointer(start: base, count: count)) }
}
