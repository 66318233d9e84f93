import Foundation
import MarginCore

/// A parsed `--feed` spec: `KIND:TARGET` with options after commas.
///
/// ```swift
/// let spec = try FeedSpec.parse("sim:seed=7,rate=500")
/// // .sim(SimOptions(seed: 7, rate: 500))
/// let replay = try FeedSpec.parse("replay:ticks.ndjson,speed=10,loop")
/// let stepped = try FeedSpec.parse("replay:ticks.ndjson,speed=max,step=1s")
/// ```
/// Websocket kinds take the URL as target (`binance:wss://fstream.binance.com/market/ws/!markPrice@arr@1s`)
/// and accept `map=FILE` (a ``SymbolMap`` file), `timeout=SECONDS` (watchdog, and the bound on
/// connecting and the websocket upgrade), `skew=SECONDS` (how far ahead of the local clock an
/// exchange time may be, default 5) and a list of
/// subscriptions joined with `+`: `instruments=` and `indexes=` for Deribit, `products=` for
/// Coinbase. A URL may therefore not contain commas.
public enum FeedSpec: Sendable, Equatable {
    case sim(SimOptions)
    case replay(ReplayOptions)
    case ndjson(NDJSONSource)
    case binance(WebSocketOptions)
    case deribit(WebSocketOptions)
    case coinbase(WebSocketOptions)

    /// The feed kinds, as written in specs.
    public static let kinds = ["sim", "replay", "ndjson", "binance", "deribit", "coinbase"]

    /// The kind word of this spec.
    public var kind: String {
        switch self {
        case .sim: "sim"
        case .replay: "replay"
        case .ndjson: "ndjson"
        case .binance: "binance"
        case .deribit: "deribit"
        case .coinbase: "coinbase"
        }
    }
}

/// Options of the simulated feed.
public struct SimOptions: Sendable, Equatable {
    public var seed: UInt64 = 1
    /// Ticks per second (over all series).
    public var rate: Double = 200
    /// Market seconds per wall second; `nil` takes the preset's (1 for a normal day, 600 for `crash`).
    public var acceleration: Double?
    /// The `crash` preset: a stressed market from the start (vol x 2.5, frequent jumps, mostly
    /// down), no pull back to the book's prices, 10 market minutes a second. Without it the
    /// market is a normal day: real time, the assets' own vol, prices mean-reverting around the
    /// book's (half-life 6 market hours).
    public var crash = false
    public init(seed: UInt64 = 1, rate: Double = 200, acceleration: Double? = nil, crash: Bool = false) {
        self.seed = seed
        self.rate = rate
        self.acceleration = acceleration
        self.crash = crash
    }

    /// Market seconds per wall second.
    public var effectiveAcceleration: Double { acceleration ?? (crash ? 600 : 1) }
}

/// Options of a replay.
public struct ReplayOptions: Sendable, Equatable {
    public enum Speed: Sendable, Equatable {
        /// Original gaps divided by the factor (1 = original timing).
        case factor(Double)
        /// No waiting.
        case max
    }
    public var path: String
    public var speed: Speed = .factor(1)
    public var loop = false
    /// Exchange seconds per step of a deterministic replay (`step=500ms`, `1s`, `1m`); `nil`: one
    /// step per distinct exchange time. See ``ReplayFeed/steps()``.
    public var step: Double?
    public init(path: String, speed: Speed = .factor(1), loop: Bool = false, step: Double? = nil) {
        self.path = path
        self.speed = speed
        self.loop = loop
        self.step = step
    }

    /// Reads a duration in seconds: a number with a unit `ms`, `s`, `m` or `h` (`500ms`, `1s`,
    /// `1.5m`), or a bare number of seconds. `nil` unless finite, above zero and at most a year.
    public static func parseDuration(_ text: String) -> Double? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        let (number, scale) =
            units.first { text.hasSuffix($0.0) }.map { (String(text.dropLast($0.0.count)), $0.1) } ?? (text, 1)
        guard let n = DecimalNumber.parse(number), n.isFinite, n > 0 else { return nil }
        let seconds = n * scale
        return seconds <= 366 * 86_400 ? seconds : nil
    }
}

/// Where NDJSON ticks come from.
public enum NDJSONSource: Sendable, Equatable {
    case stdin
    case file(String)
}

/// Options shared by the websocket adapters.
public struct WebSocketOptions: Sendable, Equatable {
    public var url: String
    /// A ``SymbolMap`` file (`map=FILE`).
    public var mapPath: String?
    /// Watchdog: no message for this long while connected marks the feed down (`timeout=SECONDS`).
    public var timeout: Duration = .seconds(10)
    /// Instruments (Deribit) or products (Coinbase) to subscribe; empty means the adapter default.
    public var symbols: [String] = []
    /// Deribit price indexes to subscribe (`indexes=btc_usd+eth_usd`).
    public var indexes: [String] = []
    /// Largest accepted lead of an exchange time over the receive clock (`skew=SECONDS`).
    public var maxFutureSkew: Duration = .seconds(5)
    public init(
        url: String, mapPath: String? = nil, timeout: Duration = .seconds(10), symbols: [String] = [],
        indexes: [String] = [], maxFutureSkew: Duration = .seconds(5)
    ) {
        self.maxFutureSkew = maxFutureSkew
        self.url = url
        self.mapPath = mapPath
        self.timeout = timeout
        self.symbols = symbols
        self.indexes = indexes
    }
}

extension FeedSpec {
    /// Parses a spec, throwing a ``FeedError`` (`.badSpec`) that says what is wrong and what is expected.
    public static func parse(_ text: String) throws(FeedError) -> FeedSpec {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let kind: String
        let rest: String?
        if let colon = trimmed.firstIndex(of: ":") {
            kind = String(trimmed[..<colon])
            rest = String(trimmed[trimmed.index(after: colon)...])
        } else {
            kind = trimmed
            rest = nil
        }
        func fail(_ message: String) -> FeedError {
            FeedError(.badSpec, "bad feed spec '\(text)': \(message)")
        }
        let parts = rest.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) } ?? []

        switch kind {
        case "sim":
            var options = SimOptions()
            for part in parts where !part.isEmpty {
                let (key, value) = splitOption(part)
                switch key {
                case "seed":
                    guard let v = value, let seed = UInt64(v) else {
                        throw fail("seed must be a non-negative integer, got '\(value ?? "")'")
                    }
                    options.seed = seed
                case "rate":
                    guard let v = value, let rate = DecimalNumber.parse(v), rate.isFinite, rate > 0, rate <= 1_000_000
                    else {
                        throw fail("rate must be ticks per second in (0, 1000000], got '\(value ?? "")'")
                    }
                    options.rate = rate
                case "accel":
                    guard let v = value, let a = DecimalNumber.parse(v), a.isFinite, a > 0 else {
                        throw fail("accel must be a number > 0, got '\(value ?? "")'")
                    }
                    options.acceleration = a
                case "crash":
                    guard value == nil else { throw fail("crash takes no value") }
                    options.crash = true
                default: throw fail("unknown sim option '\(key)' (expected seed=N, rate=N, accel=N, crash)")
                }
            }
            return .sim(options)

        case "replay":
            guard let path = parts.first, !path.isEmpty else {
                throw fail("missing file: use replay:FILE[,speed=N|max][,step=DURATION][,loop]")
            }
            var options = ReplayOptions(path: path)
            for part in parts.dropFirst() {
                let (key, value) = splitOption(part)
                switch key {
                case "speed":
                    if value == "max" {
                        options.speed = .max
                        break
                    }
                    guard let v = value, let s = DecimalNumber.parse(v), s.isFinite, s > 0 else {
                        throw fail("speed must be a number > 0 or 'max', got '\(value ?? "")'")
                    }
                    options.speed = .factor(s)
                case "loop":
                    guard value == nil else { throw fail("loop takes no value") }
                    options.loop = true
                case "step":
                    guard let v = value, let seconds = ReplayOptions.parseDuration(v) else {
                        throw fail(
                            "step must be a duration above zero such as 500ms, 1s, 1m or 1h, got '\(value ?? "")'")
                    }
                    options.step = seconds
                default:
                    throw fail("unknown replay option '\(key)' (expected speed=N|max, step=DURATION, loop)")
                }
            }
            return .replay(options)

        case "ndjson":
            guard parts.count == 1, let target = parts.first, !target.isEmpty else {
                throw fail("use ndjson:- (stdin) or ndjson:FILE")
            }
            return .ndjson(target == "-" ? .stdin : .file(target))

        case "binance", "deribit", "coinbase":
            guard let url = parts.first, !url.isEmpty else { throw fail("missing URL: use \(kind):wss://HOST/PATH") }
            let lower = url.lowercased()
            guard lower.hasPrefix("ws://") || lower.hasPrefix("wss://"), url.count > 6 else {
                throw fail("URL must start with ws:// or wss://, got '\(url)'")
            }
            var options = WebSocketOptions(url: url)
            for part in parts.dropFirst() {
                let (key, value) = splitOption(part)
                guard let value, !value.isEmpty else { throw fail("option '\(key)' needs a value") }
                switch key {
                case "map": options.mapPath = value
                case "timeout":
                    guard let s = DecimalNumber.parse(value), s.isFinite, s > 0 else {
                        throw fail("timeout must be seconds > 0, got '\(value)'")
                    }
                    options.timeout = .fromSeconds(s)
                case "skew":
                    guard let s = DecimalNumber.parse(value), s >= 0, s <= 86_400 else {
                        throw fail("skew must be seconds in [0, 86400], got '\(value)'")
                    }
                    options.maxFutureSkew = .fromSeconds(s)
                case "instruments" where kind == "deribit", "products" where kind == "coinbase":
                    options.symbols = value.split(separator: "+").map(String.init)
                case "indexes" where kind == "deribit":
                    options.indexes = value.split(separator: "+").map(String.init)
                default:
                    let extra =
                        kind == "deribit"
                        ? ", instruments=A+B, indexes=a+b" : kind == "coinbase" ? ", products=A+B" : ""
                    throw fail(
                        "unknown \(kind) option '\(key)' (expected map=FILE, timeout=SECONDS, skew=SECONDS\(extra))")
                }
            }
            switch kind {
            case "binance": return .binance(options)
            case "deribit": return .deribit(options)
            default: return .coinbase(options)
            }

        case "":
            throw fail("empty spec (expected one of \(kinds.joined(separator: ", ")))")
        default:
            throw fail("unknown feed kind '\(kind)' (expected one of \(kinds.joined(separator: ", ")))")
        }
    }

    private static func splitOption(_ part: String) -> (String, String?) {
        guard let eq = part.firstIndex(of: "=") else { return (part, nil) }
        return (String(part[..<eq]), String(part[part.index(after: eq)...]))
    }
}
