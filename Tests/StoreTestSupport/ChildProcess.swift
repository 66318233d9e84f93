import Foundation

/// Runs programs for tests, always with a time limit.
public enum ChildProcess {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    public struct Timeout: Error, CustomStringConvertible {
        public var command: String
        public var description: String { "timed out: \(command)" }
    }

    /// Runs `path` with `arguments` and waits at most `timeout` seconds (then kills it and throws).
    public static func run(
        _ path: String, _ arguments: [String], environment: [String: String]? = nil,
        timeout: Double = 60
    ) throws -> Result {
        try Spawn.run(path, arguments, environment: environment, timeout: timeout)
    }

    /// The built `margintop-store` executable next to the test bundle.
    public static func storeExecutable(file: String = #filePath) -> String {
        var candidates: [String] = []
        if let arg0 = CommandLine.arguments.first {
            var dir = URL(fileURLWithPath: arg0).deletingLastPathComponent()
            for _ in 0..<4 {
                candidates.append(dir.appendingPathComponent("margintop-store").path)
                dir = dir.deletingLastPathComponent()
            }
        }
        let root = URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/margintop-store").path)
        for c in candidates where FileManager.default.isExecutableFile(atPath: c) { return c }
        return candidates.last ?? "margintop-store"
    }
}

/// A thread-safe byte box.
public final class DataBox: @unchecked Sendable {
    private var data = Data()
    private let lock = NSLock()
    public init() {}
    public func set(_ d: Data) {
        lock.lock()
        data = d
        lock.unlock()
    }
    public func append(_ d: Data) {
        lock.lock()
        data.append(d)
        lock.unlock()
    }
    public func get() -> Data {
        lock.lock()
        defer { lock.unlock() }
        return data
    }
}

/// Fails with `TimeoutError` when `body` takes longer than `seconds`.
public func withTimeout<T: Sendable>(
    _ seconds: Double, _ what: String = "operation",
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            throw TimeoutError(what: what, seconds: seconds)
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw TimeoutError(what: what, seconds: seconds) }
        return first
    }
}

public struct TimeoutError: Error, CustomStringConvertible {
    public var what: String
    public var seconds: Double
    public init(what: String, seconds: Double) {
        self.what = what
        self.seconds = seconds
    }
    public var description: String { "\(what) did not finish within \(seconds) s" }
}

/// A fresh temporary folder.
public func makeTempDirectory(_ prefix: String = "margintop-test") throws -> String {
    let path = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
