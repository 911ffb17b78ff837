import ArgumentParser
import KernelInfo
import Probes

/// --tid and --comm on every tracing command (funccount, stacks, trace,
/// syscalls, graph): filtered in the kernel (Probes/TaskFilter.swift), so
/// other tasks' hits cost no ring buffer or map space.
struct TaskFilterOptions: ParsableArguments {
    @Option(name: .customLong("tid"), parsing: .unconditional, help: "Only this thread (TID) of the traced tasks.")
    var tid: Int32?

    @Option(name: .customLong("comm"), help: "Only tasks whose name (comm, at most 15 characters) is exactly COMM.")
    var comm: String?

    func validate() throws {
        if let t = tid, t <= 0 { throw ValidationError("--tid must be a positive thread id, got \(t)") }
        if let c = comm {
            if c.isEmpty { throw ValidationError("--comm needs a process name, e.g. --comm curl") }
            if c.utf8.count > TaskFilter.commMax {
                throw ValidationError("--comm \(quoted(c)) is longer than the \(TaskFilter.commMax) bytes the kernel keeps of a name; give the first \(TaskFilter.commMax)")
            }
        }
    }

    /// `cpu`: the command's -c, where it has one.
    func filter(cpu: Int? = nil, tid otherTid: Int32? = nil) -> TaskFilter {
        TaskFilter(tid: otherTid ?? tid, comm: comm, cpu: cpu)
    }
}

/// -c CPU (bcc funccount -c, stackcount -c).
func validateCPU(_ cpu: Int?) throws {
    if let c = cpu, c < 0 { throw ValidationError("-c/--cpu must be a CPU number (0 or more), got \(c)") }
}
