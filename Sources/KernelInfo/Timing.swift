import Glibc

/// `KPATH_TIMING=1`: start-up phases on stderr, in seconds since the process
/// was started by the kernel (so exec and the runtime's own start count too),
/// e.g. `kpath: timing: 0.412 s  BPF object funccount loaded`.
public enum Timing {
    public static let enabled = getenv("KPATH_TIMING") != nil

    /// Process start, CLOCK_BOOTTIME seconds (/proc/self/stat field 22, in clock ticks).
    static let start: Double = {
        guard let stat = readFileString("/proc/self/stat"), let close = stat.lastIndex(of: ")") else { return now() }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state); starttime is field 22.
        guard fields.count > 19, let ticks = Double(fields[19]) else { return now() }
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }()

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_BOOTTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Seconds since the process started.
    public static func sinceStart() -> Double { now() - start }

    public static func mark(_ what: @autoclosure () -> String) {
        guard enabled else { return }
        let line = cFormat("kpath: timing: %.3f s  ", sinceStart()) + what() + "\n"
        fputs(line, stderr)
    }
}
