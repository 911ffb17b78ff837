import FoundationEssentials
import Probes
import Sessions

/// The NDJSON lines of `syscalls --json` and `trace --json` (docs/json.md):
/// every line carries `schema_version` and a `type`; the first is "start",
/// then one line per record as it is read, the last "end".
public enum StreamJSON {
    // MARK: syscalls

    struct SyscallsStart: Encodable {
        var kernel: String, filter: String, pid: Int32, command: [String]
    }

    public static func syscallsStart(_ r: SyscallsResult) throws -> String {
        try JSONReport.line("start", SyscallsStart(kernel: r.kernel, filter: r.filter, pid: r.pid, command: r.command))
    }

    /// A record as SyscallRecord encodes it, plus its strace line.
    public static func syscall(_ r: SyscallRecord, line: String) throws -> String {
        try JSONReport.line("syscall", StraceFormat.Entry(record: r, line: line))
    }

    struct SyscallsEnd: Encodable {
        var exitStatus: Int32?
        var lost: UInt64
    }

    public static func syscallsEnd(exitStatus: Int32?, lost: UInt64) throws -> String {
        try JSONReport.line("end", SyscallsEnd(exitStatus: exitStatus, lost: lost))
    }

    // MARK: trace

    struct TraceStart: Encodable {
        var kernel: String, backend: Backend?, targets: [String], attachedTargets: Int
    }

    public static func traceStart(kernel: String, backend: Backend?, targets: [String], attached: Int) throws -> String {
        try JSONReport.line("start", TraceStart(kernel: kernel, backend: backend, targets: targets, attachedTargets: attached))
    }

    public static func hit(_ h: TraceHit) throws -> String { try JSONReport.line("hit", h) }

    struct TraceEnd: Encodable {
        var hits: Int
        var lost: StackLosses
    }

    public static func traceEnd(hits: Int, lost: StackLosses) throws -> String {
        try JSONReport.line("end", TraceEnd(hits: hits, lost: lost))
    }
}
