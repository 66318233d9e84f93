import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs programs with `posix_spawn` and `waitpid`, output to files, and no
/// inherited descriptors beyond 0-2.
///
/// Foundation's `Process` on Linux treats a child as running until every
/// process holding its internal socket exits; a daemon (the PostgreSQL server
/// `pg_ctl` leaves behind) that inherited it would make it wait forever. A
/// server that inherited a test's client socket would also keep that
/// connection open across a "restart".
public enum Spawn {
    /// Starts `path`; stdout and stderr go to the given files (or /dev/null).
    public static func start(
        _ path: String, _ arguments: [String], environment: [String: String]? = nil,
        stdout: String? = nil, stderr: String? = nil
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        closeFrom(&actions, 3)
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        let envList = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let envp: [UnsafeMutablePointer<CChar>?] = envList.map { strdup($0) } + [nil]
        defer { for p in envp { free(p) } }
        // A clean signal state: the test runner's threads block signals, and a child (a database
        // server, a tmux server and the program in it) inheriting that mask would ignore SIGTERM
        // and SIGHUP and outlive the test.
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var none = sigset_t()
        var all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attr, argv, envp)
        guard rc == 0 else {
            throw TestPostgres.Failure(description: "cannot run \(path): \(String(cString: strerror(rc)))")
        }
        return pid
    }

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34+), which Swift's Glibc module does not export.
    private static func closeFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ fd: Int32) {
        guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        else { return }
        _ = unsafeBitCast(sym, to: CloseFrom.self)(actions, fd)
    }

    /// Waits for `pid` at most `timeout` seconds (then kills it and throws); returns its exit status.
    public static func wait(_ pid: pid_t, timeout: Double, command: String) throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 { return -1 }
            if Date() > deadline {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                throw ChildProcess.Timeout(command: command)
            }
            usleep(5_000)
        }
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    public static func run(
        _ path: String, _ arguments: [String], environment: [String: String]? = nil,
        timeout: Double = 60
    ) throws -> ChildProcess.Result {
        let dir = NSTemporaryDirectory()
        let outPath = dir + "spawn-\(UUID().uuidString).out"
        let errPath = dir + "spawn-\(UUID().uuidString).err"
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        let pid = try start(path, arguments, environment: environment, stdout: outPath, stderr: errPath)
        let status = try wait(pid, timeout: timeout, command: ([path] + arguments).joined(separator: " "))
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return ChildProcess.Result(status: status, stdout: out, stderr: err)
    }
}
