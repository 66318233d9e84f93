import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import WSClient

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a websocket connection failed, short enough for the dashboard's banner:
/// `connection refused (127.0.0.1:9)`, `connection timed out (host:443)`, `host not found (host)`,
/// `TLS handshake failed (host)`. The full error goes to the log; this is what an operator reads.
public enum ConnectionFailure {
    /// The short reason for `error`, raised connecting to (or talking to) `url`.
    public static func reason(_ error: any Error, url: String) -> String {
        let endpoint = Endpoint(url: url)
        if let e = error as? NIOConnectionError {
            let at = Endpoint(host: e.host, port: e.port)
            if let first = e.connectionErrors.first { return reason(first.error, at: at) }
            if let dns = e.dnsAError ?? e.dnsAAAAError { return lookupFailed(dns, host: at.host) }
            return "connection failed (\(at.hostPort))"
        }
        return reason(error, at: endpoint)
    }

    static func reason(_ error: any Error, at endpoint: Endpoint) -> String {
        switch error {
        case let e as IOError: return "\(errnoText(e.errnoCode)) (\(endpoint.hostPort))"
        case let e as ChannelError:
            switch e {
            case .connectTimeout: return "connection timed out (\(endpoint.hostPort))"
            case .eof, .ioOnClosedChannel, .alreadyClosed, .outputClosed, .inputClosed:
                return "connection closed (\(endpoint.hostPort))"
            default: return "connection failed (\(endpoint.hostPort)): \(e)"
            }
        case is SocketAddressError.UnknownHost, is SocketAddressError:
            return lookupFailed(error, host: endpoint.host)
        case let e as NIOSSLError:
            switch e {
            case .handshakeFailed(let inner):
                return certificateRejected(inner)
                    ? "TLS certificate rejected (\(endpoint.host))" : "TLS handshake failed (\(endpoint.host))"
            case .uncleanShutdown: return "TLS connection cut (\(endpoint.host))"
            case .unableToValidateCertificate, .noCertificateToValidate, .cannotMatchULabel:
                return "TLS certificate rejected (\(endpoint.host))"
            default: return "TLS failed (\(endpoint.host))"
            }
        case let e as NIOSSLExtraError:
            switch e {
            case .failedToValidateHostname: return "TLS certificate rejected (\(endpoint.host))"
            case .cannotUseIPAddressInSNI: return "TLS needs a host name, not an IP address (\(endpoint.host))"
            default: return "TLS failed (\(endpoint.host))"
            }
        case let e as BoringSSLError:
            return certificateRejected(e)
                ? "TLS certificate rejected (\(endpoint.host))" : "TLS handshake failed (\(endpoint.host))"
        case let e as WebSocketClientError:
            switch e {
            case .webSocketUpgradeFailed: return "websocket upgrade failed (\(endpoint.hostPort))"
            case .invalidURL: return "invalid websocket URL"
            default: return "\(e.description.lowercased()) (\(endpoint.hostPort))"
            }
        default: return "connection failed (\(endpoint.hostPort))"
        }
    }

    static func lookupFailed(_ error: any Error, host: String) -> String {
        if let e = error as? SocketAddressError.UnknownHost, e.errorCode == Int(EAI_AGAIN) {
            return "host lookup failed (\(host))"
        }
        return "host not found (\(host))"
    }

    /// Whether BoringSSL's error stack says the peer's certificate did not verify.
    static func certificateRejected(_ error: BoringSSLError) -> Bool {
        "\(error)".contains("CERTIFICATE_VERIFY_FAILED")
    }

    static func errnoText(_ code: CInt) -> String {
        switch code {
        case ECONNREFUSED: return "connection refused"
        case ETIMEDOUT: return "connection timed out"
        case ECONNRESET: return "connection reset"
        case ECONNABORTED: return "connection aborted"
        case EPIPE: return "connection broken"
        case EHOSTUNREACH: return "host unreachable"
        case ENETUNREACH: return "network unreachable"
        case ENETDOWN: return "network down"
        case EADDRNOTAVAIL: return "address not available"
        default:
            guard let c = strerror(code) else { return "connection failed (errno \(code))" }
            let text = String(cString: c)
            return text.prefix(1).lowercased() + text.dropFirst()
        }
    }

    /// A host and port as an operator writes them: `127.0.0.1:9`, `[::1]:9`.
    struct Endpoint {
        var host: String
        var port: Int?

        init(host: String, port: Int?) {
            self.host = host
            self.port = port
        }

        init(url: String) {
            let parsed = URL(string: url)
            host = parsed?.host ?? url
            let secure = parsed?.scheme.map { ["wss", "https"].contains($0.lowercased()) } ?? false
            port = parsed?.port ?? (parsed == nil ? nil : (secure ? 443 : 80))
        }

        var hostPort: String {
            guard let port else { return host }
            let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
            return "\(bracketed):\(port)"
        }
    }
}
