import Foundation

/// Writes an `--out FILE` without harming what the path names.
///
/// - a regular file, or a missing one: written to a temporary file beside it and renamed over
///   it, so a reader never sees half a document and a failed write leaves the old file;
/// - a symbolic link: followed to its target, which is written as above (the link stays);
/// - a character device, FIFO or socket (`/dev/null`, `/dev/stdout`, a named pipe): written
///   straight into, never replaced;
/// - a directory: refused (`EISDIR`).
///
/// ```swift
/// try OutputFile.write(BookEncoder.encode(book), to: out)  // nil or "-": stdout
/// ```
public enum OutputFile {
    /// Writes `text` to `path`, or to stdout when `path` is nil or `-`.
    public static func write(_ text: String, to path: String?) throws(OutputError) {
        guard let path, path != "-" else {
            try OutputSink.standardOutput.write(text)
            return
        }
        let target = try resolve(path)
        switch target.kind {
        case .regular(let mode): try replace(target.path, mode: mode, with: text, name: path)
        case .missing: try replace(target.path, mode: nil, with: text, name: path)
        case .special:
            let fd = try openDescriptor(target.path, flags: O_WRONLY, name: path)
            defer { _ = close(fd) }
            try OutputSink(fileDescriptor: fd, name: path).write(text)
        }
    }

    /// Opens `path` for a stream of writes (a recording): a regular or missing file is truncated
    /// or created in place (after following symbolic links), a device or FIFO opened as it is.
    /// The caller closes the returned descriptor.
    public static func openForStreaming(_ path: String) throws(OutputError) -> OutputSink {
        let target = try resolve(path)
        let flags: Int32
        switch target.kind {
        case .regular, .missing: flags = O_WRONLY | O_CREAT | O_TRUNC
        case .special: flags = O_WRONLY
        }
        return OutputSink(fileDescriptor: try openDescriptor(target.path, flags: flags, name: path), name: path)
    }

    enum Kind {
        case missing
        case regular(mode: mode_t)
        case special
    }

    /// Follows symbolic links (at most 40, like the kernel) to the path that is really written.
    static func resolve(_ path: String) throws(OutputError) -> (path: String, kind: Kind) {
        var current = path
        for _ in 0..<40 {
            var st = stat()
            if lstat(current, &st) != 0 {
                let e = errno
                if e == ENOENT { return (current, .missing) }
                throw OutputError(target: path, code: e)
            }
            switch st.st_mode & S_IFMT {
            case S_IFLNK:
                var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
                let n = readlink(current, &buffer, buffer.count - 1)
                guard n >= 0 else { throw OutputError(target: path, code: errno) }
                let link = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                current = link.hasPrefix("/") ? link : directory(of: current) + "/" + link
            case S_IFREG: return (current, .regular(mode: st.st_mode & 0o7777))
            case S_IFDIR: throw OutputError(target: path, code: EISDIR)
            default: return (current, .special)
            }
        }
        throw OutputError(target: path, code: ELOOP)
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func openDescriptor(_ path: String, flags: Int32, name: String) throws(OutputError) -> Int32 {
        while true {
            let fd = open(path, flags | O_CLOEXEC, 0o666)
            if fd >= 0 { return fd }
            let e = errno
            if e != EINTR { throw OutputError(target: name, code: e) }
        }
    }

    /// Writes a temporary file in the target's directory, then renames it over the target.
    static func replace(_ path: String, mode: mode_t?, with text: String, name: String) throws(OutputError) {
        let dir = directory(of: path)
        let base = path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
        var temp = ""
        var fd: Int32 = -1
        for _ in 0..<100 where fd < 0 {
            temp = "\(dir)/.\(base).\(UInt32.random(in: 0...UInt32.max)).tmp"
            // O_EXCL: never follow or reuse anything already there; the umask applies to 0666 as for any new file.
            fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if fd < 0 && errno != EEXIST { throw OutputError(target: name, code: errno) }
        }
        guard fd >= 0 else { throw OutputError(target: name, code: EEXIST) }
        do throws(OutputError) {
            if let mode { _ = fchmod(fd, mode) }
            try OutputSink(fileDescriptor: fd, name: name).write(text)
            if close(fd) != 0 { throw OutputError(target: name, code: errno) }
            fd = -1
            if rename(temp, path) != 0 { throw OutputError(target: name, code: errno) }
        } catch {
            if fd >= 0 { _ = close(fd) }
            _ = unlink(temp)
            throw error
        }
    }
}
