#if canImport(Glibc)
    import CGlibcExtras
#endif

/// glibc's allocator settings for margintop's live processes, set once at start.
///
/// Each step and snapshot of a big book allocates and frees arrays of a few hundred KB to a few
/// MB (a column per account). By default glibc serves those from fresh `mmap`s, or returns the
/// freed top of the heap to the system at once (the trim threshold starts at 128 KB), so every
/// step faults its pages in again: a seventh of the CPU of `bench --live --accounts 100000` was
/// the kernel's. Blocks up to 32 MB come from the heap, which keeps up to 64 MB free before
/// giving memory back. Measured side by side, three rounds: snapshot median 5.0-5.3 ms against
/// 5.9-10.5, tick-to-snapshot p99 49-58 ms against 66-102, analysis 45-57k accounts/s against
/// 25-45k. `MALLOC_MMAP_THRESHOLD_` or `MALLOC_TRIM_THRESHOLD_` in the environment win.
public enum MallocTuning {
    public static let mmapThreshold: Int32 = 32 << 20
    public static let trimThreshold: Int32 = 64 << 20

    /// Applies the settings; false when the allocator refused one (or is not glibc's).
    @discardableResult
    public static func apply(environment: [String: String]) -> Bool {
        #if canImport(Glibc)
            var ok = true
            if environment["MALLOC_MMAP_THRESHOLD_"] == nil { ok = mallopt(M_MMAP_THRESHOLD, mmapThreshold) == 1 && ok }
            if environment["MALLOC_TRIM_THRESHOLD_"] == nil { ok = mallopt(M_TRIM_THRESHOLD, trimThreshold) == 1 && ok }
            return ok
        #else
            return false
        #endif
    }
}
