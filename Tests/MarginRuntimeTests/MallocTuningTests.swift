import CGlibcExtras
import Glibc
import MarginRuntime
import Testing

/// The allocator settings margintop starts with: blocks of a step's size come from the heap,
/// not from a fresh mmap each time (glibc's default threshold is 128 KB, rising only as far as
/// the largest mmapped block freed so far).
@Suite struct MallocTuningTests {
    @Test func aStepSizedBlockComesFromTheHeap() {
        #expect(MallocTuning.apply(environment: [:]))
        let size = 24 << 20
        let before = mallinfo2()
        let block = malloc(size)
        defer { free(block) }
        let after = mallinfo2()
        #expect(block != nil)
        #expect(after.hblks == before.hblks, "\(after.hblks - before.hblks) new mmapped blocks")
        #expect(after.hblkhd == before.hblkhd)
    }
}
