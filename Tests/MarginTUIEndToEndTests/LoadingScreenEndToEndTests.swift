import Foundation
import Testing
import ThreadTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The screen comes up before the book is read and says so; `q` or Ctrl-C leave it at once, with
/// the terminal given back, even while the store does not answer.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct LoadingScreenEndToEndTests {
    /// A TCP port on 127.0.0.1 that completes connections (the kernel's backlog) and never answers:
    /// a PostgreSQL server that hangs before its first message.
    final class SilentPort {
        let fd: Int32
        let port: Int

        init() throws {
            let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            addr.sin_port = 0
            let size = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, size) }
            }
            guard s >= 0, bound == 0, listen(s, 16) == 0 else {
                if s >= 0 { close(s) }
                throw TmuxSession.Failure(description: "cannot listen on 127.0.0.1: errno \(errno)")
            }
            var out = sockaddr_in()
            var len = size
            _ = withUnsafeMutablePointer(to: &out) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &len) }
            }
            fd = s
            port = Int(UInt16(bigEndian: out.sin_port))
        }

        deinit { close(fd) }
    }

    @Test(.enabled(if: E2E.tmuxAvailable), arguments: ["q", "C-c"])
    func aStoreThatDoesNotAnswerCanBeLeft(_ key: String) async throws {
        try await offThread { try Self.leaveWhileLoading(key) }
    }

    static func leaveWhileLoading(_ key: String) throws {
        let e2e = try E2E()
        let silent = try SilentPort()
        let url = "postgres://margintop@127.0.0.1:\(silent.port)/margintop"
        let t = TmuxSession()
        defer { t.kill() }
        try t.start(command: e2e.dashboard(["--store", url, "--operator", "e2e"]), cols: 120, rows: 30)
        let screen = try t.waitFor(text: "reading the book from \(url)…", timeout: 10)
        #expect(screen.contains("LOADING"), "\(screen)")
        #expect(screen.contains("Reading the book from \(url)…"), "\(screen)")
        #expect(screen.contains("q quit") && !screen.contains("? help"), "\(screen)")
        try t.keys(key)
        try t.waitForExit(status: 0, timeout: 10)
        // The terminal is given back: the shell's line, no curses screen left over.
        let after = t.capture()
        #expect(!after.contains("LOADING"), "\(after)")
    }
}
