import Foundation
import MarginStore

#if canImport(Glibc)
    import Glibc
#endif

/// A throwaway PostgreSQL 15 server in a temporary folder, on a free 127.0.0.1 port.
///
/// As root, `initdb` and `pg_ctl` run as the `postgres` user (`runuser`);
/// `fsync=off`. A cluster is initialised once per test process and copied for
/// each server, so a new server costs about a second.
public final class TestPostgres: @unchecked Sendable {
    public static let binDir = ProcessInfo.processInfo.environment["MARGINTOP_PG_BIN"] ?? "/usr/lib/postgresql/15/bin"

    public struct Missing: Error, CustomStringConvertible {
        public var description: String {
            "PostgreSQL server binaries not found at \(TestPostgres.binDir)/initdb: install the `postgresql` "
                + "package (Debian: apt-get install postgresql) or set MARGINTOP_PG_BIN"
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public let dataDir: String
    public let port: Int
    public let database = "margintop"
    public var url: StoreURL {
        .postgres(PostgresTarget(user: "postgres", host: "127.0.0.1", port: port, database: database))
    }
    public var urlString: String { "postgres://postgres@127.0.0.1:\(port)/\(database)" }

    static var isRoot: Bool { geteuid() == 0 }

    private static let templateLock = NSLock()
    nonisolated(unsafe) private static var template: String?

    /// Runs a PostgreSQL program, as `postgres` when root.
    @discardableResult
    static func pg(_ program: String, _ args: [String], timeout: Double = 60) throws -> ChildProcess.Result {
        let path = binDir + "/" + program
        let r =
            isRoot
            ? try Spawn.run("/usr/sbin/runuser", ["-u", "postgres", "--", path] + args, timeout: timeout)
            : try Spawn.run(path, args, timeout: timeout)
        return r
    }

    static func chownToPostgres(_ path: String) throws {
        guard isRoot else { return }
        let r = try Spawn.run("/bin/chown", ["-R", "postgres:postgres", path], timeout: 30)
        guard r.status == 0 else { throw Failure(description: "chown \(path): \(r.stderr)") }
    }

    /// The initialised template cluster (made once).
    static func templateCluster() throws -> String {
        templateLock.lock()
        defer { templateLock.unlock() }
        if let template { return template }
        guard FileManager.default.isExecutableFile(atPath: binDir + "/initdb") else { throw Missing() }
        removeStaleTemplates()
        let root = NSTemporaryDirectory() + "margintop-pg-template-\(getpid())"
        try? FileManager.default.removeItem(atPath: root)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try chownToPostgres(root)
        let dir = root + "/data"
        let r = try pg(
            "initdb",
            [
                "-D", dir, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8",
                "--locale=C",
            ], timeout: 120)
        guard r.status == 0 else { throw Failure(description: "initdb failed: \(r.stderr)") }
        template = dir
        return dir
    }

    /// Removes template clusters of test processes that are gone.
    static func removeStaleTemplates() {
        let tmp = NSTemporaryDirectory()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? []
        for name in names where name.hasPrefix("margintop-pg-template-") {
            guard let pid = Int32(name.dropFirst("margintop-pg-template-".count)) else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { try? FileManager.default.removeItem(atPath: tmp + name) }
        }
    }

    /// A free TCP port on 127.0.0.1 (bound and released).
    public static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) }
        }
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Starts a new server with an empty `margintop` database.
    public static func start() throws -> TestPostgres {
        let template = try templateCluster()
        let root = try makeTempDirectory("margintop-pg")
        let dir = root + "/data"
        let cp = try Spawn.run("/bin/cp", ["-a", template, dir], timeout: 60)
        guard cp.status == 0 else { throw Failure(description: "cp template: \(cp.stderr)") }
        try chownToPostgres(root)
        let server = TestPostgres(dataDir: dir, port: freePort())
        try server.startServer()
        let r = try pg("createdb", ["-h", "127.0.0.1", "-p", String(server.port), "-U", "postgres", server.database])
        guard r.status == 0 else {
            // createdb may be missing: fall back to the `postgres` database name.
            throw Failure(description: "createdb failed: \(r.stderr)")
        }
        return server
    }

    init(dataDir: String, port: Int) {
        self.dataDir = dataDir
        self.port = port
    }

    /// Starts (or restarts) the server on the same port and data.
    public func startServer() throws {
        let opts = "-k \(dataDir) -h 127.0.0.1 -p \(port) -c fsync=off"
        let r = try TestPostgres.pg(
            "pg_ctl",
            [
                "-D", dataDir, "-w", "-t", "30", "-l", dataDir + "/server.log",
                "-o", opts, "start",
            ], timeout: 60)
        guard r.status == 0 else {
            let log = (try? String(contentsOfFile: dataDir + "/server.log", encoding: .utf8)) ?? ""
            throw Failure(description: "pg_ctl start failed: \(r.stdout) \(r.stderr) \(log.suffix(2000))")
        }
    }

    /// Stops the server (`immediate`: like a crash, fast).
    public func stopServer(mode: String = "immediate") throws {
        _ = try TestPostgres.pg("pg_ctl", ["-D", dataDir, "-w", "-t", "30", "-m", mode, "stop"], timeout: 60)
    }

    /// Stops the server and removes its files.
    public func destroy() {
        try? stopServer()
        try? FileManager.default.removeItem(atPath: (dataDir as NSString).deletingLastPathComponent)
    }
}
