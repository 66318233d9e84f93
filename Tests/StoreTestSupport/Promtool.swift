import Foundation

/// `promtool check metrics` (Debian's `prometheus` package) on an exposition: the metrics tests'
/// judge of the text format and of the naming lint. Missing promtool is a failure, not a skip:
/// CI installs it (.ci/run).
public enum Promtool {
    public static func checkMetrics(_ exposition: String) throws -> ChildProcess.Result {
        let candidates = ["/usr/bin/promtool", "/usr/local/bin/promtool"]
        guard let promtool = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw HTTPRequest.Failure(
                description: "promtool not found (apt-get install prometheus; .ci/run installs it)")
        }
        let file = NSTemporaryDirectory() + "metrics-\(UUID().uuidString).txt"
        try Data(exposition.utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        return try Spawn.run("/bin/sh", ["-c", "exec '\(promtool)' check metrics < '\(file)'"], timeout: 30)
    }

    /// Every sample line `name{labels} value` of an exposition, by series.
    public static func samples(_ text: String) -> [String: Double] {
        var out: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let v = Double(line[line.index(after: space)...]) else {
                continue
            }
            out[String(line[..<space])] = v
        }
        return out
    }
}
