import Glibc
import KernelInfo
import Probes
import Workload

// `kpath syscalls`: strace-style records from the raw_syscalls tracepoints.
//
// Layers: Probes/SyscallRecorder reads kp_syscall_event records;
// SyscallCollector turns them into SyscallRecords (SyscallRecord.swift) and
// keeps those SyscallFilter (-e) selects; SyscallsSession below runs the
// command-line session. Reports/StraceFormat*.swift print them as strace does.

public final class SyscallsSession {
    public struct Options {
        public var filter: SyscallFilter
        public var pid: Int32?
        public var command: [String] = []
        /// -f: follow the children of -p PID (a command's children are always followed).
        public var followForks = false
        /// Keep every record (for --json).
        public var accumulate = false
        /// Where the command's stdout goes (--json sends it to stderr, away from the JSON).
        public var commandOutput: HeldProcess.Output = .inherit
        /// Bytes of each buffer recorded (strace -s; at least 64 so compare's claims see as much as before).
        public var stringLimit = 32
        /// --tid, --comm: filtered in the kernel at syscall entry (TaskFilter).
        public var tasks = TaskFilter()
        public init(filter: SyscallFilter) { self.filter = filter }
    }

    public let features: KernelFeatures
    public let tracker: Tracker
    public let collector: SyscallCollector
    public let child: HeldProcess?
    public let options: Options

    public init(_ o: Options) throws {
        options = o
        features = KernelFeatures.detect()
        guard o.pid != nil || !o.command.isEmpty else {
            throw SessionError.badArgument("give -p PID or -- COMMAND (tracing every process system-wide is not useful here)")
        }
        try Preflight.requirePrivileges(features)
        if let p = o.pid { try Preflight.requireProcess(p) }
        try o.tasks.check()
        var held: HeldProcess? = nil
        if let exe = o.command.first {
            let path = try HeldProcess.resolveExecutable(exe)
            held = try HeldProcess(executable: path, arguments: Array(o.command.dropFirst()), role: "command", output: o.commandOutput,
                                  argv0: exe, markEnvironment: false)
        }
        child = held
        tracker = try Tracker(phases: false)
        try tracker.follow(commandPID: held?.pid, pid: o.pid, followPIDForks: o.followForks)
        try tracker.setTaskFilter(o.tasks)
        collector = try SyscallCollector(tracker: tracker, filter: o.filter,
                                         heldCommands: held.map { [$0.pid] } ?? [], accumulate: o.accumulate,
                                         dataLimit: max(64, o.stringLimit), strace: true)
    }

    /// Lets the held command run.
    public func releaseCommand() throws { try child?.release() }

    public func poll(timeoutMs: Int32) -> [SyscallRecord] { collector.poll(timeoutMs: timeoutMs) }
    public func drain() -> [SyscallRecord] { collector.drain() }

    /// -p: whether the traced process is still there.
    public var targetAlive: Bool {
        guard let p = options.pid else { return true }
        return kill(p, 0) == 0 || errno != ESRCH
    }

    public func result(exitStatus: Int32?) -> SyscallsResult {
        SyscallsResult(kernel: features.release, filter: options.filter.spec, pid: options.pid ?? child?.pid ?? 0,
                       command: options.command, exitStatus: exitStatus, lost: collector.lost, records: collector.collected)
    }

    /// Detaches everything; returns the records still in the buffer.
    public func stop() -> [SyscallRecord] {
        let rest = collector.stop()
        tracker.detach()
        return rest
    }
}

public struct SyscallsResult: Codable, Sendable {
    public var kernel: String
    public var filter: String
    public var pid: Int32
    public var command: [String]
    public var exitStatus: Int32?
    public var lost: UInt64
    public var records: [SyscallRecord]
}
