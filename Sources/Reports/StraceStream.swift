import Sessions

/// Lines for a stream of records: like strace -f, a `[pid N] ` prefix (the
/// thread id) appears once a second thread or process has shown up (a line
/// from a thread other than the traced PID), and stays from then on.
///
/// A call another thread's line interrupts is split as strace splits it:
/// `read(3,  <unfinished ...>` before that line (from the entry record, sent
/// once a traced process has several threads or children), then
/// `<... read resumed>"hello", 5) = 5` when it finishes.
public struct StraceStream {
    public var options: Strace.Options
    /// nil: automatic (as above); true/false: always/never.
    public var pidPrefix: Bool?
    private var threads: Set<Int32> = []
    /// Calls entered and not finished, per thread; `announced`: its
    /// `<unfinished ...>` line is out, so its end prints as `<... resumed>`.
    private var inProgress: [Int32: (entry: SyscallRecord, announced: Bool)] = [:]

    /// `traced`: the PID traced from the start (-p PID, or the command), so
    /// that a line from any other thread counts as a second one.
    public init(options: Strace.Options = Strace.Options(), pidPrefix: Bool? = nil, traced: Int32? = nil) {
        self.options = options
        self.pidPrefix = pidPrefix
        if let traced { threads.insert(traced) }
    }

    private mutating func currentOptions(_ tid: Int32) -> Strace.Options {
        threads.insert(tid)
        var o = options
        o.pidPrefix = pidPrefix ?? (threads.count > 1)
        return o
    }

    /// One record's line (entries are not lines: see lines(_:)).
    public mutating func line(_ r: SyscallRecord) -> String {
        StraceFormat.line(r, currentOptions(r.tid))
    }

    /// The text for records in the order they arrived: entries are held and
    /// become `<unfinished ...>` lines only when another thread's line comes first.
    public mutating func lines(_ records: [SyscallRecord]) -> String {
        var text = ""
        for r in records {
            if r.isEntry {
                inProgress[r.tid] = (r, false)
                continue
            }
            let at = r.finished ? r.exitNs : r.enterNs
            let waiting = inProgress.filter { $0.key != r.tid && !$0.value.announced && $0.value.entry.enterNs <= at }
            if !waiting.isEmpty { threads.insert(r.tid) } // two threads at once: prefixed from here on
            for (tid, p) in waiting.sorted(by: { $0.value.entry.enterNs < $1.value.entry.enterNs }) {
                text += StraceFormat.unfinished(p.entry, currentOptions(tid)) + "\n"
                inProgress[tid] = (p.entry, true)
            }
            if r.isSignal {
                text += line(r) + "\n"
                continue
            }
            let p = inProgress.removeValue(forKey: r.tid)
            if let p, p.announced, p.entry.nr == r.nr {
                text += StraceFormat.resumedLine(r, currentOptions(r.tid)) + "\n"
            } else {
                text += line(r) + "\n"
            }
        }
        return text
    }

    /// `+++ exited with N +++` for the command, prefixed like the lines.
    public func exited(pid: Int32, status: Int32) -> String {
        let prefixed = pidPrefix ?? (threads.count > 1)
        return (prefixed ? "[pid " + StraceFormat.lpad5(pid) + "] " : "") + StraceFormat.exitLine(status: status)
    }
}

extension StraceFormat {
    /// How many leading arguments the `<unfinished ...>` part shows: those
    /// before what the kernel fills in (read's buffer, wait4's status), or
    /// before the first one kpath copies at exit (a path, a sockaddr, a buffer
    /// sent): the entry record carries numbers only.
    static func argumentsAtEntry(_ r: SyscallRecord) -> Int {
        switch r.name {
        case "getsockopt": return 3
        case "socketpair": return 3
        case "clone", "clone3", "execve", "open", "stat", "lstat", "access", "readlink", "getxattr", "lgetxattr", "setxattr",
             "lsetxattr", "listxattr", "llistxattr", "removexattr", "lremovexattr":
            return 0
        case "exit", "exit_group", "socket", "listen", "shutdown", "close", "dup", "fsync", "mmap", "mprotect", "munmap",
             "fcntl", "kill", "tkill", "tgkill":
            return Int.max
        default:
            // fd-first calls and the *at() calls: the fd; numbers-only calls: everything
            if FDNames.fdFirst.contains(r.name) || r.name.hasSuffix("at") || r.name == "statx" || r.name == "faccessat2" { return 1 }
            return ["read", "write", "readv", "writev", "sendto", "recvfrom", "sendmsg", "recvmsg", "connect", "bind", "accept",
                    "accept4", "getsockname", "getpeername", "setsockopt", "wait4", "sendmmsg", "recvmmsg"].contains(r.name) ? 1 : Int.max
        }
    }

    /// `read(3,  <unfinished ...>`: the call's first arguments, from its entry record.
    public static func unfinished(_ entry: SyscallRecord, _ o: Options) -> String {
        $hexStrings.withValue(o.hexStrings) {
            let args = arguments(entry, limit: o.stringLimit)
            let k = min(argumentsAtEntry(entry), args.count)
            let shown = args.prefix(k).joined(separator: ", ") + (k < args.count && k > 0 ? ", " : "")
            return prefix(entry, o) + entry.name + "(" + shown + " <unfinished ...>"
        }
    }

    /// `<... read resumed>"hello", 5) = 5`: the rest of the arguments, from the exit record.
    public static func resumedLine(_ r: SyscallRecord, _ o: Options) -> String {
        $hexStrings.withValue(o.hexStrings) {
            let args = arguments(r, limit: o.stringLimit)
            let k = min(argumentsAtEntry(r), args.count)
            let head = "<... \(r.name) resumed>" + args.dropFirst(k).joined(separator: ", ") + ")"
            return prefix(r, o) + finish(head, r, o, column: prefix(r, o).count)
        }
    }
}
