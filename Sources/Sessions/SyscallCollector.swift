import BPFRecords
import FoundationEssentials
import Glibc
import KernelInfo
import Probes

/// Records the syscalls of the processes a Tracker tracks, as SyscallRecords.
/// For other sessions (compare, tour):
///
///     let sys = try SyscallCollector(tracker: tracker, filter: .everything)   // attached
///     ... run the workload, calling sys.poll() now and then (the ring buffer holds ~24k records) ...
///     sys.stop()                                 // drains and detaches
///     let calls = sys.records(pids: [client.pid])   // Reports' StraceFormat prints them
public final class SyscallCollector {
    public let filter: SyscallFilter
    public let recorder: SyscallRecorder
    public let tracker: Tracker
    /// Keep every shown record (records(pids:)); off for long streaming sessions.
    public var accumulate: Bool
    public private(set) var collected: [SyscallRecord] = []
    /// strace -y: set to name the fds of the records shown.
    public var fdNames: FDNames?

    /// Threads whose records are dropped until their execve succeeds (a held
    /// command's trampoline, whose last steps before exec are kpath's).
    private var gated: Set<Int32>
    /// Processes traced from their exec: their socket fds are all seen created,
    /// so no /proc lookups for them.
    private var trusted: Set<Int32> = []
    /// tgid -> fd -> is a socket (socket-io).
    private var socketFDs: [Int32: [Int32: Bool]] = [:]
    private let wallOffsetNs: Int64
    private let lostAtStart: UInt64
    private var arity: [Int: Int?] = [:]
    private let showExecve: Bool

    /// Loads and attaches bpf/syscalls.bpf.c on `tracker` (set its filter and
    /// tracked PIDs yourself). `heldCommands`: PIDs of held processes not yet
    /// released; their records start at their execve.
    /// `dataLimit`: bytes of each buffer recorded (strace -s).
    public init(tracker: Tracker, filter: SyscallFilter, heldCommands: [Int32] = [], accumulate: Bool = true,
                dataLimit: Int = 64, strace: Bool = false) throws {
        self.filter = filter
        self.tracker = tracker
        self.accumulate = accumulate
        gated = Set(heldCommands)
        showExecve = filter.selects("execve")
        recorder = try SyscallRecorder(tracker: tracker, syscalls: filter.numbers(extra: heldCommands.isEmpty ? [] : ["execve"]),
                                    dataLimit: dataLimit, strace: strace)
        wallOffsetNs = Self.wallClockOffsetNs()
        lostAtStart = tracker.lost().dropFirst(Int(KP_LOST_EVENTS.rawValue)).first ?? 0
        try recorder.attach()
    }

    /// Records that arrived within `timeoutMs`, in the order the calls finished.
    @discardableResult
    public func poll(timeoutMs: Int32 = 0) -> [SyscallRecord] { accept(recorder.poll(timeoutMs: timeoutMs)) }

    /// Records already in the ring buffer.
    @discardableResult
    public func drain() -> [SyscallRecord] { accept(recorder.drain()) }

    /// Detaches and drains what is left.
    @discardableResult
    public func stop() -> [SyscallRecord] {
        recorder.detach()
        return drain()
    }

    /// Records lost because the ring buffer was full (since this collector started).
    public var lost: UInt64 {
        let now = tracker.lost().dropFirst(Int(KP_LOST_EVENTS.rawValue)).first ?? 0
        return now >= lostAtStart ? now - lostAtStart : now
    }

    /// Collected records of these processes (tgid or tid), or all.
    public func records(pids: Set<Int32>? = nil) -> [SyscallRecord] {
        guard let pids else { return collected }
        return collected.filter { pids.contains($0.pid) || pids.contains($0.tid) }
    }

    public func clear() { collected.removeAll() }

    private func accept(_ events: [SyscallEvent]) -> [SyscallRecord] {
        var out: [SyscallRecord] = []
        for e in events {
            let r = SyscallRecord(e, argCount: argCount(e.nr), wallOffsetNs: wallOffsetNs)
            if gated.contains(r.tid) {
                if r.name == "execve" && r.ret == 0 {
                    gated.remove(r.tid)
                    trusted.insert(r.pid)
                    socketFDs[r.pid] = [:]
                    if showExecve {
                        var shown = r
                        fdNames?.annotate(&shown)
                        out.append(shown)
                    }
                }
                continue
            }
            if r.isEntry {
                // an entry: shown (as <unfinished ...>) only for a call that will be
                if entrySelected(r) { out.append(r) }
                continue
            }
            if r.name == "execve" && r.ret == 0 { socketFDs[r.pid] = nil }
            if keep(r) {
                var shown = r
                fdNames?.annotate(&shown)
                out.append(shown)
            }
        }
        if accumulate { collected.append(contentsOf: out.filter { !$0.isEntry }) }
        return out
    }

    /// Whether to show a record; keeps the socket fd table current.
    private func keep(_ r: SyscallRecord) -> Bool {
        if r.signal != nil { return true } // like strace's default -e signal=all
        guard filter.socketIO else { return filter.selects(r.name) }
        var show = filter.selects(r.name)
        switch r.name {
        case "socket", "accept", "accept4":
            if r.ret >= 0 { socketFDs[r.pid, default: [:]][Int32(truncatingIfNeeded: r.ret)] = true }
        case "socketpair":
            if let (a, b) = r.fdPair {
                socketFDs[r.pid, default: [:]][a] = true
                socketFDs[r.pid, default: [:]][b] = true
            }
        case "close":
            let fd = r.int(0)
            show = show || isSocket(pid: r.pid, fd: fd)
            if r.ret == 0 { socketFDs[r.pid]?[fd] = nil }
        case "read", "write", "readv", "writev":
            show = show || isSocket(pid: r.pid, fd: r.int(0))
        default: break
        }
        return show
    }

    /// keep() without its bookkeeping: whether the call entered will be shown.
    private func entrySelected(_ r: SyscallRecord) -> Bool {
        if filter.selects(r.name) { return true }
        guard filter.socketIO, ["close", "read", "write", "readv", "writev"].contains(r.name) else { return false }
        return isSocket(pid: r.pid, fd: r.int(0))
    }

    /// Entry records from now on (`<unfinished ...>`), for -p of a process that
    /// already has several threads; the BPF program turns them on itself when
    /// a traced process clones.
    public func sendEntries() { recorder.sendEntries() }

    private func isSocket(pid: Int32, fd: Int32) -> Bool {
        if let known = socketFDs[pid]?[fd] { return known }
        if trusted.contains(pid) { return false }
        // Not seen created (-p, inherited or dup'ed): ask /proc while the process lives.
        var buf = [CChar](repeating: 0, count: 64)
        let n = readlink("/proc/\(pid)/fd/\(fd)", &buf, buf.count - 1)
        let isSock = n > 0 && String(cString: buf).hasPrefix("socket:")
        if n > 0 { socketFDs[pid, default: [:]][fd] = isSock }
        return isSock
    }

    private func argCount(_ nr: Int) -> Int? {
        if nr < 0 { return nil }
        if let known = arity[nr] { return known }
        let n = Self.tracefsArgCount(SyscallTable.name(nr))
        arity[nr] = n
        return n
    }

    /// The number of arguments of a syscall, from its tracefs sys_enter format.
    static func tracefsArgCount(_ name: String) -> Int? {
        guard let t = Tracefs.path(), let fmt = readFileString("\(t)/events/syscalls/sys_enter_\(name)/format") else { return nil }
        var after = false, n = 0
        for line in fmt.split(separator: "\n") {
            guard line.contains("field:") else { continue }
            if line.contains("__syscall_nr") { after = true; continue }
            if after { n += 1 }
        }
        return after ? min(n, 6) : nil
    }

    /// realtime - monotonic, in ns: bpf_ktime_get_ns() + offset = wall clock.
    static func wallClockOffsetNs() -> Int64 {
        var mono = timespec(), real = timespec()
        clock_gettime(CLOCK_MONOTONIC, &mono)
        clock_gettime(CLOCK_REALTIME, &real)
        return (Int64(real.tv_sec) - Int64(mono.tv_sec)) * 1_000_000_000 + Int64(real.tv_nsec) - Int64(mono.tv_nsec)
    }

    deinit { recorder.detach() }
}
