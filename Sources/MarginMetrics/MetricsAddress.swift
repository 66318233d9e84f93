import MarginCore

/// Where the metrics endpoint listens: `--metrics HOST:PORT` (`127.0.0.1:9464`, `localhost:0`,
/// `[::1]:9464`, `0.0.0.0:9464`). Port 0 lets the system pick a free one.
public struct MetricsAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`; an IPv6 host goes in brackets (`[::1]:9464`).
    public init(parsing text: String) throws(MetricsError) {
        let shown = TextCell.escapeControls(text)
        func bad(_ why: String) -> MetricsError {
            MetricsError(.badAddress, "--metrics '\(shown)': \(why); give HOST:PORT, e.g. 127.0.0.1:9464")
        }
        guard let colon = text.lastIndex(of: ":") else { throw bad("no port") }
        var host = String(text[..<colon])
        let portText = text[text.index(after: colon)...]
        if host.hasPrefix("[") {
            guard host.hasSuffix("]"), host.count > 2 else { throw bad("an IPv6 host needs its closing ]") }
            host = String(host.dropFirst().dropLast())
        } else if host.contains(":") {
            throw bad("an IPv6 host goes in brackets, [::1]:9464")
        }
        guard !host.isEmpty else { throw bad("no host") }
        guard host.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7f }) else {
            throw bad("the host has spaces or control characters")
        }
        guard !portText.isEmpty, portText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), portText.count <= 5,
            let port = Int(portText), port <= 65535
        else { throw bad("the port must be a number in 0...65535") }
        self.init(host: host, port: port)
    }

    /// `HOST:PORT`, the host bracketed when it is IPv6.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// The scrape URL.
    public var url: String { "http://\(self)/metrics" }
}
