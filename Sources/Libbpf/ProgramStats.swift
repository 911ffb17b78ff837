import CLibbpf
import Glibc

/// How often a BPF program ran and for how long, as the kernel counts it
/// (bpf_prog_info.run_cnt / run_time_ns). The kernel counts only while BPF
/// stats are on (BPFStatsSwitch, or the sysctl kernel.bpf_stats_enabled), and
/// never resets: take two readings and subtract.
public struct ProgramStats: Equatable, Sendable {
    public var runCount: UInt64
    public var runTimeNs: UInt64

    public init(runCount: UInt64, runTimeNs: UInt64) {
        self.runCount = runCount
        self.runTimeNs = runTimeNs
    }

    /// Nanoseconds per run, nil when it never ran.
    public var nsPerRun: Double? {
        runCount == 0 ? nil : Double(runTimeNs) / Double(runCount)
    }

    /// What happened between `earlier` and this reading.
    public func since(_ earlier: ProgramStats) -> ProgramStats {
        ProgramStats(runCount: runCount &- earlier.runCount, runTimeNs: runTimeNs &- earlier.runTimeNs)
    }

    /// The reading of a program fd (BPF_OBJ_GET_INFO_BY_FD); nil if the kernel refuses.
    public static func of(fd: Int32) -> ProgramStats? {
        var info = bpf_prog_info()
        var len = UInt32(MemoryLayout<bpf_prog_info>.size)
        guard bpf_obj_get_info_by_fd(fd, &info, &len) == 0 else { return nil }
        return ProgramStats(runCount: info.run_cnt, runTimeNs: info.run_time_ns)
    }
}

extension BPFProgram {
    /// This (loaded) program's run count and run time so far.
    public var runStats: ProgramStats? { fd >= 0 ? ProgramStats.of(fd: fd) : nil }
}

/// Turns the kernel's BPF run statistics on while it lives (BPF_ENABLE_STATS,
/// Linux 5.8+). The kernel keeps them on while any such fd is open and turns
/// them off when the last one closes, also when the process is killed: nothing
/// to restore, unlike writing the sysctl. Costs two clock reads per program run.
public final class BPFStatsSwitch {
    private let fd: Int32

    public init() throws {
        let fd = bpf_enable_stats(BPF_STATS_RUN_TIME)
        guard fd >= 0 else { throw BPFError("enable BPF run statistics (BPF_ENABLE_STATS)", errno: -fd) }
        self.fd = fd
    }

    deinit { close(fd) }
}
