import Foundation
import MarginCore
import MarginMetrics
import MarginTUI
import TerminalCore

/// The dashboard's defaults from `config.toml` (`$XDG_CONFIG_HOME/margintop/config.toml`, by default
/// `~/.config/margintop/config.toml`, or `--config FILE`): every key optional, options on the command
/// line win.
///
/// ```toml
/// store = "sqlite:/var/lib/margintop/desk.sqlite"
/// feed = "binance:btcusdt,ethusdt"
/// theme = "monochrome"
/// operator = "alice"
/// columns = ["id", "name", "ratio", "dist", "state"]
/// sort = "distance"          # a leading - reverses: "-equity"
/// near = 0.05                # DIST below 5% stands out
/// mouse = false              # as --no-mouse
/// metrics = "127.0.0.1:9464"  # as --metrics
/// ```
public struct DashboardConfig: Sendable, Equatable {
    public var store: String?
    public var feed: String?
    public var theme: String?
    public var operatorName: String?
    public var columns: [OverviewColumn]?
    public var sort: SortKey?
    public var sortReversed: Bool?
    public var near: Double?
    public var readOnly: Bool?
    public var mouse: Bool?
    public var metrics: MetricsAddress?

    public init() {}

    /// The keys a config file may set.
    public static let keys = [
        "store", "feed", "theme", "operator", "columns", "sort", "near", "read-only", "mouse", "metrics",
    ]

    /// Parses config text; `file` names it in errors.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> DashboardConfig {
        let lines: [TOMLLite.Line]
        do { lines = try TOMLLite.lines(text) } catch {
            throw ConfigError(file: file, line: error.line, key: nil, message: error.message)
        }
        var c = DashboardConfig()
        var seen: Set<String> = []
        for item in lines {
            let e: TOMLLite.Entry
            switch item {
            case .section(let name, let line):
                throw ConfigError(
                    file: file, line: line, key: nil,
                    message: "unexpected section [\(name)]: config.toml has keys only (\(keys.joined(separator: ", ")))"
                )
            case .entry(let entry): e = entry
            }
            func bad(_ message: String) -> ConfigError {
                ConfigError(file: file, line: e.line, key: e.key, message: message)
            }
            guard keys.contains(e.key) else {
                throw bad("unknown key; the keys are \(keys.joined(separator: ", "))")
            }
            guard seen.insert(e.key).inserted else { throw bad("set twice") }
            func string() throws(ConfigError) -> String {
                guard let s = TOMLLite.string(e.value) else { throw bad("expected a quoted string, got \(e.value)") }
                guard !s.isEmpty, !s.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
                else {
                    throw bad("expected a non-empty string without control characters")
                }
                return s
            }
            switch e.key {
            case "store": c.store = try string()
            case "feed": c.feed = try string()
            case "theme": c.theme = try string()
            case "operator": c.operatorName = try string()
            case "metrics":
                let text = try string()
                do throws(MetricsError) { c.metrics = try MetricsAddress(parsing: text) } catch {
                    throw bad(error.message.replacingOccurrences(of: "--metrics ", with: ""))
                }
            case "columns":
                guard let names = TOMLLite.strings(e.value) else {
                    throw bad("expected an array of column names, e.g. [\"id\", \"name\", \"dist\"], got \(e.value)")
                }
                switch OverviewColumn.parse(names) {
                case .success(let cols): c.columns = cols
                case .failure(let err): throw bad("\(err)")
                }
            case "sort":
                let s = try string()
                guard let (k, reversed) = SortKey.parse(s) else {
                    throw bad("unknown sort '\(s)'; the sorts are \(SortKey.names) (a leading - reverses)")
                }
                (c.sort, c.sortReversed) = (k, reversed)
            case "near":
                guard let v = TOMLLite.number(e.value), v > 0, v <= 10 else {
                    throw bad("expected a decimal fraction in (0, 10], e.g. 0.05 for 5%, got \(e.value)")
                }
                c.near = v
            default:
                guard let b = TOMLLite.bool(e.value) else { throw bad("expected true or false, got \(e.value)") }
                if e.key == "mouse" { c.mouse = b } else { c.readOnly = b }
            }
        }
        return c
    }

    /// The default config file: `$XDG_CONFIG_HOME/margintop/config.toml`, else `~/.config/margintop/config.toml`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() + "/.config")
        return base + "/margintop/config.toml"
    }

    /// Loads `path` (`--config`), or the default file when `path` is nil; a missing default file is no config.
    public static func load(
        _ path: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) -> DashboardConfig {
        let file = path ?? defaultPath(environment: environment)
        guard let data = FileManager.default.contents(atPath: file) else {
            var isDir: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: file, isDirectory: &isDir)
            if path == nil && !exists { return DashboardConfig() }
            throw ConfigError(
                file: file, line: 0, key: nil,
                message: exists ? (isDir.boolValue ? "is a directory" : "cannot be read") : "no such file", code: 1)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: file, line: 0, key: nil, message: "not UTF-8 text")
        }
        return try parse(text, file: file)
    }
}

/// A config file that cannot be used: which file, line and key, and why. Exit status 65 (invalid data),
/// 1 when the file cannot be read.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var key: String?
    public var message: String
    public var code: Int32 = 65

    public init(file: String, line: Int, key: String?, message: String, code: Int32 = 65) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
        self.code = code
    }

    public var description: String {
        let at = line > 0 ? "\(file):\(line)" : file
        let what = key.map { "key '\($0)': " } ?? ""
        return TextCell.escapeControls("config \(at): \(what)\(message)")
    }
}
