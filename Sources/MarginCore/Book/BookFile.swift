#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension BookDecoder {
    /// Decodes the book in the regular file at `path`, or gives `nil` when it is not one that
    /// can be opened and read (a missing file, a directory, a pipe, an empty file: the caller
    /// reads those its own way and reports them as it always has). Errors name `path`.
    ///
    /// The file is read into memory of its own (not mapped: a file cut short while mapped would
    /// be a crash), and the bytes the decoder has read are handed back to the system as it goes,
    /// so that the peak is about the larger of the file and the book, not their sum. A book with
    /// an error is read a second time for the tree decoder (``decodeTree(utf8:file:)``).
    public static func decode(fileAtPath path: String) throws(BookError) -> Book? {
        try decode(fileAtPath: path, releasingEvery: 8 << 20)
    }

    /// ``decode(fileAtPath:)``, handing back the bytes read each time `releasingEvery` more are.
    static func decode(fileAtPath path: String, releasingEvery chunk: Int) throws(BookError) -> Book? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_size > 0 else { return nil }
        let size = Int(st.st_size)
        guard let base = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
            base != MAP_FAILED
        else { return nil }
        defer { munmap(base, size) }
        // Faulted in 2 MiB at a time where the system allows it (a 4 KiB page fault each was a
        // tenth of a one-position book's decode); released as before.
        _ = madvise(base, size, MADV_HUGEPAGE)
        let bytes = base.assumingMemoryBound(to: UInt8.self)
        guard let count = readAll(fd, into: bytes, size: size) else { return nil }
        let buffer = UnsafeBufferPointer(start: bytes, count: count)
        let page = max(4096, Int(sysconf(Int32(_SC_PAGESIZE))))
        var released = 0
        let book = BookStreamDecoder.decode(buffer) { offset in
            let upTo = offset / page * page
            guard upTo - released >= chunk else { return }
            _ = madvise(base + released, upTo - released, MADV_DONTNEED)
            released = upTo
        }
        if let book { return book }
        // Invalid (or unusual): read again what was released, and let the tree decoder name it.
        guard released == 0 || readAll(fd, into: bytes, size: count) == count else { return nil }
        return try decodeTree(utf8: buffer, file: path)
    }

    /// Reads up to `size` bytes from the start of `fd`; the count read, or `nil` on a read error.
    private static func readAll(_ fd: Int32, into bytes: UnsafeMutablePointer<UInt8>, size: Int) -> Int? {
        var done = 0
        while done < size {
            let n = pread(fd, bytes + done, min(size - done, 1 << 30), off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if n == 0 { break }
            done += n
        }
        return done
    }
}
