import Glibc

/// Ring buffer sizes, overridable for tests: KPATH_RINGBUF_PAGES=N (a power
/// of two) makes every ring buffer N pages, like bpftrace's perf_rb_pages.
/// A tiny ring buffer is how the tests force, and check the report of, lost
/// records.
public enum RingBufferSize {
    public static let environmentVariable = "KPATH_RINGBUF_PAGES"

    /// `defaultBytes`, or the override from the environment (invalid values
    /// are ignored: the kernel wants a power-of-two number of pages).
    public static func bytes(default defaultBytes: Int) -> Int {
        guard let raw = getenv(environmentVariable), let pages = Int(String(cString: raw)),
              pages > 0, pages & (pages - 1) == 0, pages <= 1 << 18 else { return defaultBytes }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
