// Pure helpers of the strace conformance check (StraceConformanceHostTests):
// parse strace -f -o and kpath syscalls --json into per-thread call lists,
// normalize what differs between two runs, and compare.
import Foundation

/// One call: its name, its arguments split at top-level commas, its result.
struct TracedCall: Equatable {
    var name: String
    var args: [String]
    var result: String
    var text: String { "\(name)(\(args.joined(separator: ", "))) = \(result)" }

    /// A signal line, `--- SIGCHLD {si_signo=...} ---`, as a call named `--- SIGCHLD`.
    static func signal(_ line: String) -> TracedCall? {
        guard line.hasPrefix("--- SIG"), line.hasSuffix(" ---") else { return nil }
        let body = line.dropFirst(4).dropLast(4)
        let parts = body.split(separator: " ", maxSplits: 1)
        return TracedCall(name: "--- " + parts[0], args: parts.count > 1 ? [String(parts[1])] : [], result: "")
    }

    init(name: String, args: [String], result: String) {
        self.name = name
        self.args = args
        self.result = result
    }

    /// `name(args) = result`, nil for lines that are not a finished call.
    init?(_ line: String) {
        if line.hasPrefix("--- SIG") {
            guard let s = TracedCall.signal(line) else { return nil }
            self = s
            return
        }
        guard let open = line.firstIndex(of: "("), !line.hasPrefix("---"), !line.hasPrefix("+++") else { return nil }
        name = String(line[..<open])
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), !name.isEmpty else { return nil }
        // the closing paren of the call: scan quotes and nesting
        var depth = 0, inQuote = false, escaped = false, close: String.Index? = nil
        var i = open
        while i < line.endIndex {
            let c = line[i]
            if inQuote {
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inQuote = false }
            } else if c == "\"" { inQuote = true
            } else if "([{".contains(c) { depth += 1
            } else if ")]}".contains(c) {
                depth -= 1
                if depth == 0 && c == ")" { close = i; break }
            }
            i = line.index(after: i)
        }
        guard let close else { return nil }
        args = TracedCall.split(String(line[line.index(after: open)..<close]))
        let rest = line[line.index(after: close)...].trimmingCharacters(in: .whitespaces)
        guard rest.hasPrefix("=") else { return nil }
        result = String(rest.dropFirst()).trimmingCharacters(in: .whitespaces)
        if let r = result.range(of: #" <[0-9.]+>$"#, options: .regularExpression) { result.removeSubrange(r) }
    }

    static func split(_ s: String) -> [String] {
        var out: [String] = [], cur = "", depth = 0, inQuote = false, escaped = false
        for c in s {
            if inQuote {
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inQuote = false }
            } else if c == "\"" { inQuote = true
            } else if "([{".contains(c) { depth += 1
            } else if ")]}".contains(c) { depth -= 1
            } else if c == "," && depth == 0 { out.append(cur.trimmingCharacters(in: .whitespaces)); cur = ""; continue }
            cur.append(c)
        }
        if !cur.isEmpty || !out.isEmpty { out.append(cur.trimmingCharacters(in: .whitespaces)) }
        return out
    }
}

enum StraceConformance {
    /// Calls whose presence or count depends on timing, not on the program:
    /// lock waits, signal returns, and calls a signal interrupted.
    static func timingDependent(_ c: TracedCall) -> Bool {
        isSignal(c) || ["futex", "rt_sigreturn", "restart_syscall", "sched_yield"].contains(c.name)
            || c.result.contains("ERESTART") || c.result.contains("EINTR")
    }

    /// Signals arrive on the return of whichever call their thread is in:
    /// compared per thread as a set (signals(_:)), not in the call order.
    static func isSignal(_ c: TracedCall) -> Bool { c.name.hasPrefix("--- ") }

    /// A thread's distinct signal lines, normalized and sorted. Distinct: a
    /// standard signal sent while the same one is pending merges into it, so
    /// two children exiting together give one SIGCHLD in one run, two in the next.
    static func signals(_ calls: [TracedCall]) -> [String] {
        Set(calls.filter(isSignal).map { normalize($0.name + " " + $0.args.joined()) }).sorted()
    }

    /// A call its thread was still in when it ended (a helper thread blocked in
    /// rt_sigtimedwait when the process exits): strace prints it `= ?`;
    /// kpath records a call at sys_exit, which never comes (docs/syscalls.md).
    static func unfinishedAtExit(_ c: TracedCall) -> Bool {
        c.result == "?" && c.name != "exit" && c.name != "exit_group"
    }

    /// strace -f -o FILE: `PID call...`, with `<unfinished ...>` / `<... NAME resumed>` pairs joined.
    static func parseStrace(_ text: String) -> [Int: [TracedCall]] {
        var pending: [Int: String] = [:]
        var out: [Int: [TracedCall]] = [:]
        for raw in text.split(separator: "\n") {
            let parts = raw.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, let pid = Int(parts[0]) else { continue }
            var line = parts[1].trimmingCharacters(in: .whitespaces) // strace pads short pids
            if line.hasSuffix(" <unfinished ...>") {
                pending[pid] = String(line.dropLast(" <unfinished ...>".count))
                continue
            }
            if line.hasPrefix("<... "), let end = line.range(of: " resumed>") {
                line = (pending.removeValue(forKey: pid) ?? "") + line[end.upperBound...]
            }
            if let c = TracedCall(line) { out[pid, default: []].append(c) }
        }
        return out
    }

    /// kpath syscalls --json (NDJSON): each record's tid and line (its `[pid N] ` prefix dropped).
    static func parseKpath(_ json: String) throws -> [Int: [TracedCall]] {
        let doc: [String: Any]? = try syscallsDocument(json)
        var out: [Int: [TracedCall]] = [:]
        for r in doc?["records"] as? [[String: Any]] ?? [] {
            guard let tid = r["tid"] as? Int, var line = r["line"] as? String else { continue }
            if let p = line.range(of: #"^\[pid +[0-9]+\] "#, options: .regularExpression) { line.removeSubrange(p) }
            if let c = TracedCall(line) { out[tid, default: []].append(c) }
        }
        return out
    }

    /// Pointers, ephemeral ports and socket inodes differ from run to run.
    static func normalize(_ s: String) -> String {
        var t = s.replacingOccurrences(of: #"0x[0-9a-f]+"#, with: "PTR", options: .regularExpression)
        t = t.replacingOccurrences(of: #"htons\((3[2-9][0-9]{3}|[4-6][0-9]{4})\)"#, with: "htons(EPHEMERAL)", options: .regularExpression)
        t = t.replacingOccurrences(of: #"socket:\[[0-9]+\]"#, with: "socket:[INODE]", options: .regularExpression)
        t = t.replacingOccurrences(of: #"nl_pid=[1-9][0-9]*"#, with: "nl_pid=PID", options: .regularExpression)
        // process ids: a child's, a thread's, the caller's own (kill)
        t = t.replacingOccurrences(of: #"(si_pid=|parent_tid=\[)[1-9][0-9]*"#, with: "$1PID", options: .regularExpression)
        t = t.replacingOccurrences(of: #"si_[us]time=[0-9]+"#, with: "si_time=T", options: .regularExpression)
        return t
    }

    /// An argument kpath leaves as a pointer or number where strace decodes
    /// memory (a struct stat, a readlink buffer): not compared, counted.
    static func undecoded(_ kpathArg: String, strace: String) -> Bool {
        kpathArg == "PTR" || strace.contains("nlmsg_len=") // netlink payloads: kpath shows the bytes
    }

    /// Differences that stay (docs/syscalls.md): strace 6.1 names the x86_64
    /// value 20 SO_RCVTIMEO_OLD and prints its bytes; kpath says SO_RCVTIMEO
    /// and decodes the timeval, as newer strace does.
    /// Calls whose result or first argument is a process id: run-dependent.
    static let pidCalls: Set<String> = ["clone", "clone3", "fork", "vfork", "wait4", "kill", "tgkill", "tkill", "getpid", "gettid", "getppid"]

    static func normalizePIDs(_ c: TracedCall) -> TracedCall {
        guard pidCalls.contains(c.name) else { return c }
        var c = c
        if let n = Int(c.result), n > 0 { c.result = "PID" }
        if ["wait4", "kill", "tgkill", "tkill"].contains(c.name), let first = c.args.first, let n = Int(first), n > 0 { c.args[0] = "PID" }
        if c.name == "tgkill", c.args.count > 1 { c.args[1] = "TID" }
        return c
    }

    static func known(strace a: TracedCall, kpath b: TracedCall) -> Bool {
        a.name == "setsockopt" && a.args.count == 5 && a.args[2] == "SO_RCVTIMEO_OLD" && b.args[2] == "SO_RCVTIMEO"
    }
}
