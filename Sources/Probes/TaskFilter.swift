import BPFRecords
import Glibc
import KernelInfo

/// `--tid`, `--comm` and `-c CPU`: which of the traced tasks' hits are
/// recorded. Applied in the kernel (kp_task_wanted in common.bpf.h, from
/// kp_config) by every recording program: funccount, tpcount, stacks (and so
/// trace), syscalls and graph at syscall entry. Tracking and following forks
/// ignore it, so `--comm cat -- sh -c cat` still follows sh to its child cat.
public struct TaskFilter: Sendable, Equatable {
    /// One thread (its TID, as in /proc/PID/task).
    public var tid: Int32?
    /// The task's comm exactly, as the kernel keeps it (at most 15 bytes).
    public var comm: String?
    /// Only hits on this CPU (stacks and funccount -c).
    public var cpu: Int?

    public init(tid: Int32? = nil, comm: String? = nil, cpu: Int? = nil) {
        self.tid = tid; self.comm = comm; self.cpu = cpu
    }

    public var isEmpty: Bool { tid == nil && comm == nil && cpu == nil }

    /// The kernel keeps TASK_COMM_LEN - 1 = 15 bytes of a name.
    public static let commMax = 15

    /// Checks the values against the machine: the thread exists, the CPU is online.
    public func check() throws {
        if let t = tid, access("/proc/\(t)", F_OK) != 0 {
            throw TaskFilterError.noThread(t)
        }
        if let c = cpu {
            let n = Int(sysconf(Int32(_SC_NPROCESSORS_CONF)))
            if c < 0 || c >= n { throw TaskFilterError.noCPU(c, count: n) }
        }
    }
}

public enum TaskFilterError: Error, CustomStringConvertible, Sendable {
    case noThread(Int32)
    case noCPU(Int, count: Int)

    public var description: String {
        switch self {
        case .noThread(let t): return "no thread with TID \(t); list a process's threads with `ls /proc/PID/task`"
        case .noCPU(let c, let n): return "no CPU \(c) on this machine: CPUs are 0 to \(n - 1)"
        }
    }
}

extension Tracker {
    /// kp_config as it is now (zeroes before anything was written).
    func currentConfig() throws -> kp_config {
        try object.map("kp_config").lookup(key: UInt32(0), as: kp_config.self) ?? kp_config()
    }

    /// Sets --tid/--comm/-c for every object sharing this tracker's maps.
    public func setTaskFilter(_ f: TaskFilter) throws {
        guard !f.isEmpty else { return }
        var cfg = try currentConfig()
        cfg.only_tid = UInt32(f.tid ?? 0)
        cfg.only_cpu = f.cpu.map { UInt32($0 + 1) } ?? 0
        withUnsafeMutableBytes(of: &cfg.only_comm) { raw in
            for i in raw.indices { raw[i] = 0 }
            for (i, b) in (f.comm ?? "").utf8.prefix(TaskFilter.commMax).enumerated() { raw[i] = b }
        }
        try object.map("kp_config").update(key: UInt32(0), value: cfg)
    }
}
