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
            let name = signalName(sig)
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
}
