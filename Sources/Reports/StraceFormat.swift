import FoundationEssentials
import Glibc
import Sessions

/// strace's output for `kpath syscalls` and compare: one line per record
/// (StraceLine.swift), `[pid N]` prefixes once several threads show up,
/// `+++ exited with N +++`, and the JSON form.
public enum StraceFormat {
    public typealias Options = Strace.Options

    /// `+++ exited with 0 +++`, or `+++ killed by SIGKILL +++` for 128+signal.
    public static func exitLine(status: Int32) -> String {
        if status > 128 && status < 128 + 65 {
            let sig = status - 128
            let name = signalNames[sig] ?? "SIG\(sig)"
            return "+++ killed by \(name) +++"
        }
        return "+++ exited with \(status) +++"
    }

    /// The stderr line for records lost to a full ring buffer, nil when none.
    public static func lostMessage(_ n: UInt64) -> String? {
        n == 0 ? nil : "kpath: \(n) syscall record\(n == 1 ? "" : "s") lost (ring buffer full)"
    }

    /// The session's records as JSON, each with its strace line.
    public static func json(_ result: SyscallsResult, _ o: Options = Options()) throws -> String {
        var stream = StraceStream(options: o)
        let doc = JSONDocument(result: result, entries: result.records.map { Entry(record: $0, line: stream.line($0)) })
        return try JSONReport.encode(doc)
    }

    struct Entry: Encodable {
        let record: SyscallRecord
        let line: String
        enum K: String, CodingKey { case line }
        func encode(to encoder: Encoder) throws {
            try record.encode(to: encoder)
            var c = encoder.container(keyedBy: K.self)
            try c.encode(line, forKey: .line)
        }
    }

    struct JSONDocument: Encodable {
        let result: SyscallsResult
        let entries: [Entry]
        enum K: String, CodingKey { case kernel, filter, pid, command, exitStatus, lost, records }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: K.self)
            try c.encode(result.kernel, forKey: .kernel)
            try c.encode(result.filter, forKey: .filter)
            try c.encode(result.pid, forKey: .pid)
            try c.encode(result.command, forKey: .command)
            try c.encodeIfPresent(result.exitStatus, forKey: .exitStatus)
            try c.encode(result.lost, forKey: .lost)
            try c.encode(entries, forKey: .records)
        }
    }

    static let signalNames: [Int32: String] = [
        1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE",
        9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM",
    ]
}

/// Lines for a stream of records: like strace -f, a `[pid N] ` prefix (the
/// thread id) appears once a second thread or process has shown up (a line
/// from a thread other than the traced PID), and stays from then on.
public struct StraceStream {
    public var options: Strace.Options
    /// nil: automatic (as above); true/false: always/never.
    public var pidPrefix: Bool?
    private var threads: Set<Int32> = []

    /// `traced`: the PID traced from the start (-p PID, or the command), so
    /// that a line from any other thread counts as a second one.
    public init(options: Strace.Options = Strace.Options(), pidPrefix: Bool? = nil, traced: Int32? = nil) {
        self.options = options
        self.pidPrefix = pidPrefix
        if let traced { threads.insert(traced) }
    }

    public mutating func line(_ r: SyscallRecord) -> String {
        threads.insert(r.tid)
        var o = options
        o.pidPrefix = pidPrefix ?? (threads.count > 1)
        return StraceFormat.line(r, o)
    }

    /// `+++ exited with N +++` for the command, prefixed like the lines.
    public func exited(pid: Int32, status: Int32) -> String {
        let prefixed = pidPrefix ?? (threads.count > 1)
        return (prefixed ? "[pid " + StraceFormat.lpad5(pid) + "] " : "") + StraceFormat.exitLine(status: status)
    }
}
