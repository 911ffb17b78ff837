import BPFRecords
import FoundationEssentials
import Glibc
import KernelInfo
import Probes
import Workload

// `kpath syscalls`: strace-style records from the raw_syscalls tracepoints.
//
// Layers: Probes/SyscallRecorder reads kp_syscall_event records; this file
// turns them into plain Codable SyscallRecord values (SyscallCollector),
// runs the command-line session (SyscallsSession), and formats one record as
// a strace line (Strace) so that other sessions (compare, tour) can produce
// lines without going through Reports. Reports/StraceFormat.swift adds the
// stream state ([pid N] prefixes) and JSON.

// MARK: - Records

/// A socket address a syscall named or filled in, decoded.
public struct SocketAddress: Codable, Sendable, Equatable, CustomStringConvertible {
    /// sa_family, and its name (AF_INET, AF_INET6, AF_UNIX, AF_NETLINK, ...).
    public var family: Int
    public var familyName: String
    /// AF_INET/AF_INET6: the address as inet_ntop prints it, and the port (host order).
    public var ip: String?
    public var port: UInt16?
    /// AF_INET6 only.
    public var flowinfo: UInt32?
    public var scopeID: UInt32?
    /// AF_UNIX: the path; abstract names start with "@" (as strace and ss print them). Empty: unnamed.
    public var path: String?
    /// AF_NETLINK.
    public var netlinkPID: UInt32?
    public var netlinkGroups: UInt32?

    public init(family: Int, familyName: String, ip: String? = nil, port: UInt16? = nil, flowinfo: UInt32? = nil,
                scopeID: UInt32? = nil, path: String? = nil, netlinkPID: UInt32? = nil, netlinkGroups: UInt32? = nil) {
        self.family = family; self.familyName = familyName; self.ip = ip; self.port = port; self.flowinfo = flowinfo
        self.scopeID = scopeID; self.path = path; self.netlinkPID = netlinkPID; self.netlinkGroups = netlinkGroups
    }

    /// "127.0.0.1:7777", "[::1]:53", "/run/x.sock", "@abstract", "netlink:0".
    public var description: String {
        if let ip, let port { return family == Int(AF_INET6) ? "[\(ip)]:\(port)" : "\(ip):\(port)" }
        if let path { return path.isEmpty ? "unix:(unnamed)" : path }
        if let netlinkPID { return "netlink:\(netlinkPID)" }
        return familyName
    }

    /// Decodes a struct sockaddr of `bytes.count` bytes; nil when shorter than its family needs.
    public static func decode(_ bytes: [UInt8]) -> SocketAddress? {
        guard bytes.count >= 2 else { return nil }
        let family = Int(bytes[0]) | Int(bytes[1]) << 8
        var a = SocketAddress(family: family, familyName: Strace.familyName(family))
        switch Int32(family) {
        case AF_INET:
            guard bytes.count >= 8 else { return nil }
            a.port = be16(bytes, 2)
            a.ip = ntop(AF_INET, Array(bytes[4..<8]))
        case AF_INET6:
            guard bytes.count >= 24 else { return nil }
            a.port = be16(bytes, 2)
            a.flowinfo = be32(bytes, 4)
            a.ip = ntop(AF_INET6, Array(bytes[8..<24]))
            if bytes.count >= 28 { a.scopeID = le32(bytes, 24) }
        case AF_UNIX:
            let rest = Array(bytes.dropFirst(2))
            if rest.first == 0 {
                a.path = "@" + String(decoding: rest.dropFirst(), as: UTF8.self)
            } else {
                a.path = String(decoding: rest.prefix { $0 != 0 }, as: UTF8.self)
            }
        case AF_NETLINK:
            guard bytes.count >= 12 else { return nil }
            a.netlinkPID = le32(bytes, 4)
            a.netlinkGroups = le32(bytes, 8)
        default:
            break
        }
        return a
    }

    static func ntop(_ af: Int32, _ raw: [UInt8]) -> String {
        var buf = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let ok = raw.withUnsafeBytes { inet_ntop(af, $0.baseAddress, &buf, socklen_t(buf.count)) } != nil
        return ok ? String(cString: buf) : "?"
    }
}

func be16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) << 8 | UInt16(b[i + 1]) }
func be32(_ b: [UInt8], _ i: Int) -> UInt32 { UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3]) }
func le32(_ b: [UInt8], _ i: Int) -> UInt32 { UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24 }
func le64(_ b: [UInt8], _ i: Int) -> UInt64 { UInt64(le32(b, i)) | UInt64(le32(b, i + 4)) << 32 }

/// One finished syscall of a traced thread, as plain values.
public struct SyscallRecord: Codable, Sendable, Equatable {
    /// Process (tgid) and thread ids; strace's `[pid N]` is the thread id.
    public var pid: Int32
    public var tid: Int32
    public var comm: String
    /// x86_64 syscall number and name.
    public var nr: Int
    public var name: String
    /// The arguments (as many as the syscall takes, when tracefs says; else 6).
    public var args: [UInt64]
    /// The raw return value: -errno on failure.
    public var ret: Int64
    /// CLOCK_MONOTONIC ns at entry and exit; exitNs is 0 for calls that never
    /// return (exit, exit_group), which print as `= ?`.
    public var enterNs: UInt64
    public var exitNs: UInt64
    /// Wall-clock time at entry, seconds since the epoch (for -t).
    public var time: Double
    /// The sockaddr bytes the call named or filled in (at most 112), and decoded.
    public var addr: [UInt8]
    public var address: SocketAddress?
    /// The buffer, optval or fd pair the call named (at most 64 bytes).
    public var data: [UInt8]
    /// *addrlen / *optlen / msg_namelen before and after the call, when read.
    public var lenIn: Int32?
    public var lenOut: Int32?
    /// sendmsg/recvmsg: [msg_iovlen, msg_controllen, msg_flags, iov[0].iov_len];
    /// readv/writev: [_, _, _, iov[0].iov_len]; nil for other calls.
    public var msg: [UInt64]?

    /// A record from values (tests, replays): `exitNs` 0 marks a call that never returned.
    public init(pid: Int32, tid: Int32? = nil, comm: String = "", name: String, args: [UInt64], ret: Int64,
                enterNs: UInt64 = 0, exitNs: UInt64 = 1, time: Double = 0, addr: [UInt8] = [], data: [UInt8] = [],
                lenIn: Int32? = nil, lenOut: Int32? = nil, msg: [UInt64]? = nil) {
        self.pid = pid
        self.tid = tid ?? pid
        self.comm = comm
        self.nr = SyscallTable.number(name) ?? -1
        self.name = name
        self.args = args
        self.ret = ret
        self.enterNs = enterNs
        self.exitNs = exitNs
        self.time = time
        self.addr = addr
        self.address = SocketAddress.decode(addr)
        self.data = data
        self.lenIn = lenIn
        self.lenOut = lenOut
        self.msg = msg
    }

    /// From a ring buffer event; `wallOffsetNs` turns CLOCK_MONOTONIC into wall-clock time.
    public init(_ e: SyscallEvent, argCount: Int? = nil, wallOffsetNs: Int64 = 0) {
        let name = SyscallTable.name(e.nr)
        self.init(pid: e.tgid, tid: e.tid, comm: e.comm, name: name,
                  args: Array(e.args.prefix(argCount ?? 6)), ret: e.ret, enterNs: e.enterNs, exitNs: e.exitNs,
                  time: Double(Int64(bitPattern: e.enterNs) &+ wallOffsetNs) / 1e9,
                  addr: e.addr, data: e.data, lenIn: e.lenIn, lenOut: e.lenOut,
                  msg: Strace.messageCalls.contains(name) ? e.msg : nil)
        nr = e.nr
    }

    /// The call never returned (exit, exit_group): printed `= ?`.
    public var finished: Bool { exitNs != 0 }
    /// The call failed: its errno (ERESTART* included).
    public var errno: Int32? { finished && ret < 0 && ret >= -4095 ? Int32(-ret) : nil }
    public var failed: Bool { errno != nil }
    public var durationNs: UInt64 { finished && exitNs >= enterNs ? exitNs - enterNs : 0 }
    /// Argument i (0 when the syscall has fewer).
    public func arg(_ i: Int) -> UInt64 { i < args.count ? args[i] : 0 }
    /// Argument i as the C int the kernel saw (fds, levels, flags).
    public func int(_ i: Int) -> Int32 { Int32(truncatingIfNeeded: arg(i)) }

    enum CodingKeys: String, CodingKey {
        case pid, tid, comm, nr, name, args, ret, enterNs, exitNs, time, addr, address, data, lenIn, lenOut, msg
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        pid = try c.decode(Int32.self, forKey: .pid)
        tid = try c.decode(Int32.self, forKey: .tid)
        comm = try c.decode(String.self, forKey: .comm)
        nr = try c.decode(Int.self, forKey: .nr)
        name = try c.decode(String.self, forKey: .name)
        args = try c.decode([UInt64].self, forKey: .args)
        ret = try c.decode(Int64.self, forKey: .ret)
        enterNs = try c.decode(UInt64.self, forKey: .enterNs)
        exitNs = try c.decode(UInt64.self, forKey: .exitNs)
        time = try c.decode(Double.self, forKey: .time)
        addr = fromHex(try c.decodeIfPresent(String.self, forKey: .addr) ?? "")
        address = try c.decodeIfPresent(SocketAddress.self, forKey: .address)
        data = fromHex(try c.decodeIfPresent(String.self, forKey: .data) ?? "")
        lenIn = try c.decodeIfPresent(Int32.self, forKey: .lenIn)
        lenOut = try c.decodeIfPresent(Int32.self, forKey: .lenOut)
        msg = try c.decodeIfPresent([UInt64].self, forKey: .msg)
    }

    /// addr and data as hex strings (compact JSON); the rest as is.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(pid, forKey: .pid)
        try c.encode(tid, forKey: .tid)
        try c.encode(comm, forKey: .comm)
        try c.encode(nr, forKey: .nr)
        try c.encode(name, forKey: .name)
        try c.encode(args, forKey: .args)
        try c.encode(ret, forKey: .ret)
        try c.encode(enterNs, forKey: .enterNs)
        try c.encode(exitNs, forKey: .exitNs)
        try c.encode(time, forKey: .time)
        if !addr.isEmpty { try c.encode(toHex(addr), forKey: .addr) }
        try c.encodeIfPresent(address, forKey: .address)
        if !data.isEmpty { try c.encode(toHex(data), forKey: .data) }
        try c.encodeIfPresent(lenIn, forKey: .lenIn)
        try c.encodeIfPresent(lenOut, forKey: .lenOut)
        try c.encodeIfPresent(msg, forKey: .msg)
    }
}

func toHex(_ b: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(b.count * 2)
    for x in b { out.append(digits[Int(x >> 4)]); out.append(digits[Int(x & 0xf)]) }
    return String(decoding: out, as: UTF8.self)
}

func fromHex(_ s: String) -> [UInt8] {
    var out: [UInt8] = []
    var hi: UInt8? = nil
    for c in s.utf8 {
        let v: UInt8
        switch c {
        case 48...57: v = c - 48
        case 97...102: v = c - 87
        case 65...70: v = c - 55
        default: continue
        }
        if let h = hi { out.append(h << 4 | v); hi = nil } else { hi = v }
    }
    return out
}

// MARK: - Filter (-e)

/// Which syscalls to show: strace's -e trace= list, with kpath's classes.
///   network    strace's %network exactly (socket ... getsockopt, no read/write/close)
///   socket-io  network, plus read/write/readv/writev/close on socket fds only
///   all        every syscall
/// Names and classes combine: `-e socket-io,openat`, `-e connect,sendto`.
public struct SyscallFilter: Codable, Sendable, Equatable {
    public var all = false
    /// Syscalls shown whatever their fd.
    public var names: Set<String> = []
    /// read/write/readv/writev/close shown when their fd is a socket.
    public var socketIO = false
    /// The spec as given.
    public var spec: String

    public static let classes = ["network", "socket-io", "all"]
    /// What socket-io adds to network (shown on socket fds only).
    public static let socketIONames: Set<String> = ["read", "write", "readv", "writev", "close"]
    /// Calls that create socket fds (tracked for socket-io).
    static let socketCreators: Set<String> = ["socket", "accept", "accept4", "socketpair"]

    public static var network: SyscallFilter { try! parse("network") }
    public static var socketIOClass: SyscallFilter { try! parse("socket-io") }
    public static var everything: SyscallFilter { try! parse("all") }

    /// Parses `-e`: a comma list of syscall names and classes, optionally as
    /// `trace=...`, classes optionally with strace's `%` (`%network`, `%net`).
    public static func parse(_ spec: String) throws -> SyscallFilter {
        var f = SyscallFilter(spec: spec)
        var body = spec.trimmed()
        if body.hasPrefix("trace=") { body.removeFirst(6) }
        let items = body.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmed() }
        for raw in items {
            let item = raw.hasPrefix("%") ? String(raw.dropFirst()) : raw
            switch item {
            case "network", "net": f.names.formUnion(SyscallTable.network)
            case "socket-io": f.names.formUnion(SyscallTable.network); f.socketIO = true
            case "all": f.all = true
            default:
                guard !item.isEmpty, SyscallTable.number(item) != nil else {
                    throw SessionError.badArgument(
                        "unknown syscall \"\(raw)\" in -e; give x86_64 syscall names (-e connect,sendto) or a class: network (strace's %network), socket-io (network plus read/write/close on sockets), all")
                }
                f.names.insert(item)
            }
        }
        return f
    }

    /// The syscall numbers the BPF side must record; nil = all.
    public func numbers(extra: [String] = []) -> Set<Int>? {
        if all { return nil }
        var n = names.union(extra)
        if socketIO { n.formUnion(Self.socketIONames); n.formUnion(Self.socketCreators) }
        return Set(n.compactMap { SyscallTable.number($0) })
    }

    /// Shown whatever the fd (the socket-io calls are decided by the collector).
    public func selects(_ name: String) -> Bool { all || names.contains(name) }
}

// MARK: - Collector (reusable by other sessions)

/// Records the syscalls of the processes a Tracker tracks, as SyscallRecords.
/// For other sessions (compare, tour):
///
///     let sys = try SyscallCollector(tracker: tracker, filter: .everything)   // attached
///     ... run the workload, calling sys.poll() now and then (the ring buffer holds ~24k records) ...
///     sys.stop()                                 // drains and detaches
///     let lines = sys.records(pids: [client.pid]).map { Strace.line($0) }
public final class SyscallCollector {
    public let filter: SyscallFilter
    public let recorder: SyscallRecorder
    public let tracker: Tracker
    /// Keep every shown record (records(pids:)); off for long streaming sessions.
    public var accumulate: Bool
    public private(set) var collected: [SyscallRecord] = []

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
    public init(tracker: Tracker, filter: SyscallFilter, heldCommands: [Int32] = [], accumulate: Bool = true) throws {
        self.filter = filter
        self.tracker = tracker
        self.accumulate = accumulate
        gated = Set(heldCommands)
        showExecve = filter.selects("execve")
        recorder = try SyscallRecorder(tracker: tracker, syscalls: filter.numbers(extra: heldCommands.isEmpty ? [] : ["execve"]))
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
                    if showExecve { out.append(r) }
                }
                continue
            }
            if r.name == "execve" && r.ret == 0 { socketFDs[r.pid] = nil }
            if keep(r) { out.append(r) }
        }
        if accumulate { collected.append(contentsOf: out) }
        return out
    }

    /// Whether to show a record; keeps the socket fd table current.
    private func keep(_ r: SyscallRecord) -> Bool {
        guard filter.socketIO else { return filter.selects(r.name) }
        var show = filter.selects(r.name)
        switch r.name {
        case "socket", "accept", "accept4":
            if r.ret >= 0 { socketFDs[r.pid, default: [:]][Int32(truncatingIfNeeded: r.ret)] = true }
        case "socketpair":
            if r.ret == 0 && r.data.count >= 8 {
                socketFDs[r.pid, default: [:]][Int32(bitPattern: le32(r.data, 0))] = true
                socketFDs[r.pid, default: [:]][Int32(bitPattern: le32(r.data, 4))] = true
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

// MARK: - Session (`kpath syscalls`)

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
        var held: HeldProcess? = nil
        if let exe = o.command.first {
            let path = try HeldProcess.resolveExecutable(exe)
            held = try HeldProcess(executable: path, arguments: Array(o.command.dropFirst()), role: "command", output: o.commandOutput)
        }
        child = held
        tracker = try Tracker(phases: false)
        try tracker.follow(commandPID: held?.pid, pid: o.pid, followPIDForks: o.followForks)
        collector = try SyscallCollector(tracker: tracker, filter: o.filter,
                                         heldCommands: held.map { [$0.pid] } ?? [], accumulate: o.accumulate)
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

// MARK: - strace lines

/// One record as strace prints it: `connect(3, {sa_family=AF_INET, ...}, 16) = 0`.
/// Socket calls are decoded as strace 6 does; other calls print their
/// arguments as numbers (kpath copies no other memory).
public enum Strace {
    public struct Options: Sendable {
        /// `[pid N] ` before the line (strace -f with several threads).
        public var pidPrefix = false
        /// `HH:MM:SS.uuuuuu ` (strace -tt), local time at entry.
        public var timestamp = false
        /// ` <0.000123>` after the result (strace -T).
        public var duration = false
        /// Bytes of a buffer shown before `...` (strace -s, default 32; at most 64 are recorded).
        public var stringLimit = 32
        /// Pad short calls so ` = ` starts at column 40, as strace does.
        public var align = true
        public init(pidPrefix: Bool = false, timestamp: Bool = false, duration: Bool = false, stringLimit: Int = 32, align: Bool = true) {
            self.pidPrefix = pidPrefix; self.timestamp = timestamp; self.duration = duration
            self.stringLimit = stringLimit; self.align = align
        }
    }

    /// The whole line: prefix, call, result.
    public static func line(_ r: SyscallRecord, _ o: Options = Options()) -> String {
        var s = ""
        if o.pidPrefix { s += "[pid " + lpad5(r.tid) + "] " }
        if o.timestamp { s += clock(r.time) + " " }
        s += call(r, stringLimit: o.stringLimit)
        if o.align && s.count < 40 {
            s += String(repeating: " ", count: 40 - s.count) + "= "
        } else {
            s += " = "
        }
        s += result(r)
        if o.duration && r.finished { s += cFormat(" <%.6f>", Double(r.durationNs) / 1e9) }
        return s
    }

    /// `HH:MM:SS.uuuuuu`, local time.
    public static func clock(_ t: Double) -> String {
        var secs = time_t(t.rounded(.down))
        let usec = Int((t - Double(secs)) * 1e6)
        var tm = tm()
        localtime_r(&secs, &tm)
        return cFormat("%02d:%02d:%02d.%06ld", tm.tm_hour, tm.tm_min, tm.tm_sec, min(usec, 999_999))
    }

    static func lpad5(_ n: Int32) -> String {
        let s = String(n)
        return s.count >= 5 ? s : String(repeating: " ", count: 5 - s.count) + s
    }

    /// What follows `= `: the return value, or `-1 ECONNREFUSED (Connection refused)`, or `?`.
    public static func result(_ r: SyscallRecord) -> String {
        guard r.finished else { return "?" }
        if let e = r.errno {
            if let (name, text) = restartErrors[e] { return "? \(name) (\(text))" }
            return "-1 \(errnoName(e)) (\(String(cString: strerror(e))))"
        }
        if r.name == "mmap" || r.name == "brk" || r.name == "mremap" { return hex(UInt64(bitPattern: r.ret)) }
        return String(r.ret)
    }

    /// `name(args)`.
    public static func call(_ r: SyscallRecord, stringLimit: Int = 32) -> String {
        r.name + "(" + arguments(r, limit: stringLimit).joined(separator: ", ") + ")"
    }

    static let messageCalls: Set<String> = ["sendmsg", "recvmsg", "readv", "writev"]

    static func arguments(_ r: SyscallRecord, limit: Int) -> [String] {
        let ok = r.finished && !r.failed
        let fd = String(r.int(0))
        switch r.name {
        case "socket":
            return [familyName(Int(r.int(0))), socketType(r.int(1)), protocolName(domain: r.int(0), r.int(2))]
        case "socketpair":
            let sv = ok && r.data.count >= 8 ? "[\(Int32(bitPattern: le32(r.data, 0))), \(Int32(bitPattern: le32(r.data, 4)))]" : pointer(r.arg(3))
            return [familyName(Int(r.int(0))), socketType(r.int(1)), protocolName(domain: r.int(0), r.int(2)), sv]
        case "connect", "bind":
            return [fd, sockaddr(r, pointer: r.arg(1), always: true), String(r.int(2))]
        case "listen":
            return [fd, String(r.int(1))]
        case "accept", "accept4", "getsockname", "getpeername":
            var a = [fd, sockaddr(r, pointer: r.arg(1), always: false), lengthPointer(r, pointer: r.arg(2))]
            if r.name == "accept4" { a.append(flags(UInt64(UInt32(bitPattern: r.int(3))), socketFlagNames)) }
            return a
        case "sendto":
            return [fd, string(r, pointer: r.arg(1), length: Int(r.arg(2)), limit: limit), String(r.arg(2)),
                    flags(UInt64(UInt32(bitPattern: r.int(3))), msgFlagNames), sockaddr(r, pointer: r.arg(4), always: true), String(r.int(5))]
        case "recvfrom":
            return [fd, ok ? string(r, pointer: r.arg(1), length: Int(r.ret), limit: limit) : pointer(r.arg(1)), String(r.arg(2)),
                    flags(UInt64(UInt32(bitPattern: r.int(3))), msgFlagNames), sockaddr(r, pointer: r.arg(4), always: false),
                    lengthPointer(r, pointer: r.arg(5))]
        case "sendmsg", "recvmsg":
            return [fd, msghdr(r, limit: limit), flags(UInt64(UInt32(bitPattern: r.int(2))), msgFlagNames)]
        case "sendmmsg", "recvmmsg":
            var a = [fd, pointer(r.arg(1)), String(UInt32(truncatingIfNeeded: r.arg(2))), flags(UInt64(UInt32(bitPattern: r.int(3))), msgFlagNames)]
            if r.name == "recvmmsg" { a.append(r.arg(4) == 0 ? "NULL" : pointer(r.arg(4))) }
            return a
        case "shutdown":
            let how = ["SHUT_RD", "SHUT_WR", "SHUT_RDWR"]
            let h = r.int(1)
            return [fd, h >= 0 && h < 3 ? how[Int(h)] : String(h)]
        case "setsockopt":
            return [fd, levelName(r.int(1)), optionName(level: r.int(1), r.int(2)), optval(r, length: Int(r.int(4)), limit: limit), String(r.int(4))]
        case "getsockopt":
            let val = ok ? optval(r, length: Int(r.lenOut ?? Int32(r.data.count)), limit: limit) : pointer(r.arg(3))
            return [fd, levelName(r.int(1)), optionName(level: r.int(1), r.int(2)), val, lengthPointer(r, pointer: r.arg(4))]
        case "write":
            return [fd, string(r, pointer: r.arg(1), length: Int(r.arg(2)), limit: limit), String(r.arg(2))]
        case "read":
            return [fd, ok ? string(r, pointer: r.arg(1), length: Int(r.ret), limit: limit) : pointer(r.arg(1)), String(r.arg(2))]
        case "writev", "readv":
            let iov = r.name == "writev" || ok ? iovec(r, count: r.arg(2), sent: r.name == "writev", limit: limit) : pointer(r.arg(1))
            return [fd, iov, String(r.int(2))]
        case "open":
            return [path(r, r.arg(0)), openFlags(r.int(1))] + (r.int(1) & 0o100 != 0 ? [octal(r.arg(2))] : [])
        case "openat":
            return [dirfd(r.int(0)), path(r, r.arg(1)), openFlags(r.int(2))] + (r.int(2) & 0o100 != 0 ? [octal(r.arg(3))] : [])
        case "stat", "lstat":
            return [path(r, r.arg(0)), pointer(r.arg(1))]
        case "newfstatat":
            return [dirfd(r.int(0)), r.int(3) & 0x1000 != 0 && r.data.isEmpty ? "\"\"" : path(r, r.arg(1)), pointer(r.arg(2)), flags(UInt64(UInt32(bitPattern: r.int(3))), atFlagNames)]
        case "statx":
            return [dirfd(r.int(0)), path(r, r.arg(1)), flags(UInt64(UInt32(bitPattern: r.int(2))), atFlagNames), hex(r.arg(3)), pointer(r.arg(4))]
        case "access":
            return [path(r, r.arg(0)), accessMode(r.int(1))]
        case "faccessat", "faccessat2":
            return [dirfd(r.int(0)), path(r, r.arg(1)), accessMode(r.int(2))] + (r.name == "faccessat2" ? [flags(UInt64(UInt32(bitPattern: r.int(3))), atFlagNames)] : [])
        case "execve":
            return [path(r, r.arg(0)), pointer(r.arg(1)), pointer(r.arg(2))]
        case "readlink":
            return [path(r, r.arg(0)), pointer(r.arg(1)), String(r.arg(2))]
        case "readlinkat":
            return [dirfd(r.int(0)), path(r, r.arg(1)), pointer(r.arg(2)), String(r.arg(3))]
        case "close", "fsync", "dup":
            return [fd]
        case "exit", "exit_group":
            return [fd]
        default:
            return r.args.map(number)
        }
    }

    // MARK: pieces

    static func number(_ v: UInt64) -> String {
        let s = Int64(bitPattern: v)
        if s >= -4096 && s < 0x10000 { return String(s) }
        // a negative C int (fd -1, AT_FDCWD) passed in a 64-bit register
        if v >= 0xffff_f000 && v <= 0xffff_ffff { return String(Int32(bitPattern: UInt32(v))) }
        return hex(v)
    }

    static func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
    static func octal(_ v: UInt64) -> String { "0" + String(v & 0o7777, radix: 8) }

    /// A path argument as strace prints it (copied at entry, up to KP_DATA_MAX
    /// bytes; `...` when it may go on), or the pointer when it could not be read.
    static func path(_ r: SyscallRecord, _ p: UInt64) -> String {
        if p == 0 { return "NULL" }
        if r.data.isEmpty { return pointer(p) }
        return "\"" + escape(r.data) + "\"" + (r.data.count >= Int(KP_DATA_MAX) - 1 ? "..." : "")
    }

    static func dirfd(_ fd: Int32) -> String { fd == -100 ? "AT_FDCWD" : String(fd) }

    static let openFlagNames: [(UInt64, String)] = [
        (0o100, "O_CREAT"), (0o200, "O_EXCL"), (0o400, "O_NOCTTY"), (0o1000, "O_TRUNC"), (0o2000, "O_APPEND"),
        (0o4000, "O_NONBLOCK"), (0o10000, "O_DSYNC"), (0o100000, "O_LARGEFILE"), (0o200000, "O_DIRECTORY"),
        (0o400000, "O_NOFOLLOW"), (0o1000000, "O_NOATIME"), (0o2000000, "O_CLOEXEC"), (0o10000000, "O_PATH"),
    ]
    static let atFlagNames: [(UInt64, String)] = [
        (0x100, "AT_SYMLINK_NOFOLLOW"), (0x200, "AT_EACCESS"), (0x400, "AT_SYMLINK_FOLLOW"), (0x800, "AT_NO_AUTOMOUNT"), (0x1000, "AT_EMPTY_PATH"),
    ]

    /// `O_RDONLY|O_CLOEXEC`: the access mode, then the flag bits.
    static func openFlags(_ f: Int32) -> String {
        let v = UInt64(UInt32(bitPattern: f))
        let mode = ["O_RDONLY", "O_WRONLY", "O_RDWR", "3"][Int(v & 3)]
        let rest = v & ~3
        return rest == 0 ? mode : mode + "|" + flags(rest, openFlagNames)
    }

    static func accessMode(_ m: Int32) -> String {
        if m == 0 { return "F_OK" }
        return flags(UInt64(UInt32(bitPattern: m)), [(4, "R_OK"), (2, "W_OK"), (1, "X_OK")])
    }
    static func pointer(_ v: UInt64) -> String { v == 0 ? "NULL" : hex(v) }

    /// A buffer: its first `limit` bytes quoted, `...` when longer; the
    /// pointer when nothing could be copied.
    static func string(_ r: SyscallRecord, pointer p: UInt64, length: Int, limit: Int) -> String {
        if p == 0 { return "NULL" }
        if length <= 0 { return "\"\"" }
        if r.data.isEmpty { return pointer(p) }
        return quote(r.data, length: length, limit: limit)
    }

    /// strace's quoting of `length` bytes of which `bytes` were recorded.
    public static func quote(_ bytes: [UInt8], length: Int, limit: Int) -> String {
        let shown = min(length, limit, bytes.count)
        let s = escape(Array(bytes.prefix(shown)))
        return "\"" + s + "\"" + (length > shown ? "..." : "")
    }

    /// Escapes as strace's string_quote: \" \\ \f \n \r \t \v, printable
    /// ASCII as is, the rest in octal (three digits when a digit follows).
    public static func escape(_ b: [UInt8]) -> String {
        var out = ""
        out.reserveCapacity(b.count)
        for (i, c) in b.enumerated() {
            switch c {
            case 0x22: out += "\\\""
            case 0x5c: out += "\\\\"
            case 0x0c: out += "\\f"
            case 0x0a: out += "\\n"
            case 0x0d: out += "\\r"
            case 0x09: out += "\\t"
            case 0x0b: out += "\\v"
            case 0x20...0x7e: out.unicodeScalars.append(UnicodeScalar(c))
            default:
                out += "\\"
                let nextIsDigit = i + 1 < b.count && b[i + 1] >= 0x30 && b[i + 1] <= 0x39
                if nextIsDigit {
                    out += String(c >> 6) + String((c >> 3) & 7)
                } else if c >> 3 != 0 {
                    if c >> 6 != 0 { out += String(c >> 6) }
                    out += String((c >> 3) & 7)
                }
                out += String(c & 7)
            }
        }
        return out
    }

    /// A sockaddr argument: decoded when recorded; NULL; else the pointer.
    /// `always`: the call reads it (connect/bind/sendto), so show it even on failure.
    static func sockaddr(_ r: SyscallRecord, pointer p: UInt64, always: Bool) -> String {
        if p == 0 { return "NULL" }
        if (always || (r.finished && !r.failed)) && !r.addr.isEmpty { return sockaddr(r.addr) }
        return pointer(p)
    }

    /// `{sa_family=AF_INET, sin_port=htons(7777), sin_addr=inet_addr("127.0.0.1")}` and friends.
    public static func sockaddr(_ b: [UInt8]) -> String {
        guard b.count >= 2 else { return "{}" }
        let family = Int(b[0]) | Int(b[1]) << 8
        let fam = "sa_family=" + familyName(family)
        switch Int32(family) {
        case AF_INET where b.count >= 8:
            return "{\(fam), sin_port=htons(\(be16(b, 2))), sin_addr=inet_addr(\"\(SocketAddress.ntop(AF_INET, Array(b[4..<8])))\")}"
        case AF_INET6 where b.count >= 24:
            var s = "{\(fam), sin6_port=htons(\(be16(b, 2))), sin6_flowinfo=htonl(\(be32(b, 4))), inet_pton(AF_INET6, \"\(SocketAddress.ntop(AF_INET6, Array(b[8..<24])))\", &sin6_addr)"
            if b.count >= 28 { s += ", sin6_scope_id=\(le32(b, 24))" }
            return s + "}"
        case AF_UNIX:
            if b.count <= 2 { return "{\(fam)}" }
            let rest = Array(b.dropFirst(2))
            if rest[0] == 0 { return "{\(fam), sun_path=@\"\(escape(Array(rest.dropFirst())))\"}" }
            return "{\(fam), sun_path=\"\(escape(Array(rest.prefix { $0 != 0 })))\"}"
        case AF_NETLINK where b.count >= 12:
            return "{\(fam), nl_pid=\(le32(b, 4)), nl_groups=\(cFormat("%08x", le32(b, 8)))}"
        default:
            if b.count == 2 { return "{\(fam)}" }
            return "{\(fam), sa_data=\"\(escape(Array(b.dropFirst(2))))\"}"
        }
    }

    /// `[16]`, `[128 => 16]` (in => out when the kernel changed it), NULL, or the pointer.
    static func lengthPointer(_ r: SyscallRecord, pointer p: UInt64) -> String {
        if p == 0 { return "NULL" }
        if r.finished && !r.failed, let out = r.lenOut {
            if let inn = r.lenIn, inn != out { return "[\(inn) => \(out)]" }
            return "[\(out)]"
        }
        if let inn = r.lenIn { return "[\(inn)]" }
        return pointer(p)
    }

    static func msghdr(_ r: SyscallRecord, limit: Int) -> String {
        let received = r.name == "recvmsg"
        guard let m = r.msg, m.count >= 4, !(received && (!r.finished || r.failed)) else { return pointer(r.arg(1)) }
        let name = r.addr.isEmpty ? "NULL" : sockaddr(r.addr)
        let namelen = r.lenOut ?? Int32(r.addr.count)
        let iov = iovec(r, count: m[0], sent: !received, limit: limit)
        return "{msg_name=\(name), msg_namelen=\(namelen), msg_iov=\(iov), msg_iovlen=\(m[0]), msg_controllen=\(m[1]), msg_flags=\(flags(m[2], msgFlagNames))}"
    }

    /// `[{iov_base="hello", iov_len=5}]`; only the first iovec is recorded,
    /// the others print as `...`.
    static func iovec(_ r: SyscallRecord, count: UInt64, sent: Bool, limit: Int) -> String {
        guard count > 0, let m = r.msg, m.count >= 4 else { return count == 0 ? "[]" : pointer(r.arg(1)) }
        let len = Int(clamping: m[3])
        let shown = sent ? len : min(len, max(0, Int(r.ret)))
        let base = shown == 0 ? "\"\"" : (r.data.isEmpty ? "?" : quote(r.data, length: shown, limit: limit))
        return "[{iov_base=\(base), iov_len=\(len)}" + (count > 1 ? ", ...]" : "]")
    }

    /// An option value: `[1]` for ints, `{tv_sec=5, tv_usec=0}` for timeouts,
    /// `{l_onoff=1, l_linger=0}` for SO_LINGER, else the bytes quoted.
    static func optval(_ r: SyscallRecord, length: Int, limit: Int) -> String {
        let p = r.arg(3)
        if p == 0 { return "NULL" }
        let b = r.data
        if b.isEmpty { return length == 0 ? "\"\"" : pointer(p) }
        let level = r.int(1), opt = r.int(2)
        if level == SOL_SOCKET && [20, 21, 66, 67].contains(opt) && b.count >= 16 && length >= 16 {
            return "{tv_sec=\(Int64(bitPattern: le64(b, 0))), tv_usec=\(Int64(bitPattern: le64(b, 8)))}"
        }
        if level == SOL_SOCKET && opt == 13 && b.count >= 8 && length >= 8 {
            return "{l_onoff=\(Int32(bitPattern: le32(b, 0))), l_linger=\(Int32(bitPattern: le32(b, 4)))}"
        }
        let stringOptions: [(Int32, Int32)] = [(1, 25), (6, 13), (6, 31)] // SO_BINDTODEVICE, TCP_CONGESTION, TCP_ULP
        if !stringOptions.contains(where: { $0 == (level, opt) }) && length == 4 && b.count >= 4 {
            return "[\(Int32(bitPattern: le32(b, 0)))]"
        }
        return quote(b, length: length, limit: limit)
    }

    // MARK: names

    public static func familyName(_ f: Int) -> String { familyNames[f] ?? String(f) }

    static let familyNames: [Int: String] = [
        0: "AF_UNSPEC", 1: "AF_UNIX", 2: "AF_INET", 3: "AF_AX25", 4: "AF_IPX", 5: "AF_APPLETALK", 6: "AF_NETROM",
        7: "AF_BRIDGE", 8: "AF_ATMPVC", 9: "AF_X25", 10: "AF_INET6", 11: "AF_ROSE", 12: "AF_DECnet", 13: "AF_NETBEUI",
        14: "AF_SECURITY", 15: "AF_KEY", 16: "AF_NETLINK", 17: "AF_PACKET", 18: "AF_ASH", 19: "AF_ECONET",
        20: "AF_ATMSVC", 21: "AF_RDS", 22: "AF_SNA", 23: "AF_IRDA", 24: "AF_PPPOX", 25: "AF_WANPIPE", 26: "AF_LLC",
        27: "AF_IB", 28: "AF_MPLS", 29: "AF_CAN", 30: "AF_TIPC", 31: "AF_BLUETOOTH", 32: "AF_IUCV", 33: "AF_RXRPC",
        34: "AF_ISDN", 35: "AF_PHONET", 36: "AF_IEEE802154", 37: "AF_CAIF", 38: "AF_ALG", 39: "AF_NFC", 40: "AF_VSOCK",
        41: "AF_KCM", 42: "AF_QIPCRTR", 43: "AF_SMC", 44: "AF_XDP", 45: "AF_MCTP",
    ]

    static let socketFlagNames: [(UInt64, String)] = [(0o2000000, "SOCK_CLOEXEC"), (0o4000, "SOCK_NONBLOCK")]

    /// `SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK`.
    public static func socketType(_ t: Int32) -> String {
        let types = [1: "SOCK_STREAM", 2: "SOCK_DGRAM", 3: "SOCK_RAW", 4: "SOCK_RDM", 5: "SOCK_SEQPACKET", 6: "SOCK_DCCP", 10: "SOCK_PACKET"]
        let base = Int(t & 0xf)
        var s = types[base] ?? String(base)
        let rest = UInt64(UInt32(bitPattern: t)) & ~0xf
        if rest != 0 { s += "|" + flags(rest, socketFlagNames) }
        return s
    }

    static func protocolName(domain: Int32, _ p: Int32) -> String {
        switch domain {
        case AF_INET, AF_INET6:
            let names: [Int32: String] = [0: "IPPROTO_IP", 1: "IPPROTO_ICMP", 2: "IPPROTO_IGMP", 4: "IPPROTO_IPIP", 6: "IPPROTO_TCP",
                                          17: "IPPROTO_UDP", 41: "IPPROTO_IPV6", 47: "IPPROTO_GRE", 58: "IPPROTO_ICMPV6",
                                          132: "IPPROTO_SCTP", 136: "IPPROTO_UDPLITE", 255: "IPPROTO_RAW", 262: "IPPROTO_MPTCP"]
            return names[p] ?? String(p)
        case AF_NETLINK:
            let names: [Int32: String] = [0: "NETLINK_ROUTE", 2: "NETLINK_USERSOCK", 4: "NETLINK_SOCK_DIAG", 6: "NETLINK_XFRM",
                                          9: "NETLINK_AUDIT", 12: "NETLINK_NETFILTER", 15: "NETLINK_KOBJECT_UEVENT", 16: "NETLINK_GENERIC"]
            return names[p] ?? String(p)
        default:
            return String(p)
        }
    }

    static func levelName(_ l: Int32) -> String {
        let names: [Int32: String] = [0: "SOL_IP", 1: "SOL_SOCKET", 6: "SOL_TCP", 17: "SOL_UDP", 41: "SOL_IPV6", 58: "SOL_ICMPV6",
                                      132: "SOL_SCTP", 136: "SOL_UDPLITE", 255: "SOL_RAW", 263: "SOL_PACKET", 270: "SOL_NETLINK",
                                      282: "SOL_TLS", 284: "SOL_MPTCP"]
        return names[l] ?? String(l)
    }

    static func optionName(level: Int32, _ o: Int32) -> String {
        let table: [Int32: String]
        switch level {
        case 1: table = [1: "SO_DEBUG", 2: "SO_REUSEADDR", 3: "SO_TYPE", 4: "SO_ERROR", 5: "SO_DONTROUTE", 6: "SO_BROADCAST",
                         7: "SO_SNDBUF", 8: "SO_RCVBUF", 9: "SO_KEEPALIVE", 10: "SO_OOBINLINE", 11: "SO_NO_CHECK",
                         12: "SO_PRIORITY", 13: "SO_LINGER", 14: "SO_BSDCOMPAT", 15: "SO_REUSEPORT", 16: "SO_PASSCRED",
                         17: "SO_PEERCRED", 18: "SO_RCVLOWAT", 19: "SO_SNDLOWAT", 20: "SO_RCVTIMEO", 21: "SO_SNDTIMEO",
                         25: "SO_BINDTODEVICE", 29: "SO_TIMESTAMP", 30: "SO_ACCEPTCONN", 32: "SO_SNDBUFFORCE",
                         33: "SO_RCVBUFFORCE", 36: "SO_MARK", 38: "SO_PROTOCOL", 39: "SO_DOMAIN", 46: "SO_BUSY_POLL",
                         47: "SO_MAX_PACING_RATE", 49: "SO_INCOMING_CPU", 66: "SO_RCVTIMEO_NEW", 67: "SO_SNDTIMEO_NEW"]
        case 6: table = [1: "TCP_NODELAY", 2: "TCP_MAXSEG", 3: "TCP_CORK", 4: "TCP_KEEPIDLE", 5: "TCP_KEEPINTVL",
                         6: "TCP_KEEPCNT", 7: "TCP_SYNCNT", 8: "TCP_LINGER2", 9: "TCP_DEFER_ACCEPT", 10: "TCP_WINDOW_CLAMP",
                         11: "TCP_INFO", 12: "TCP_QUICKACK", 13: "TCP_CONGESTION", 14: "TCP_MD5SIG", 18: "TCP_USER_TIMEOUT",
                         19: "TCP_REPAIR", 23: "TCP_FASTOPEN", 30: "TCP_FASTOPEN_CONNECT", 31: "TCP_ULP", 33: "TCP_FASTOPEN_NO_COOKIE"]
        case 0: table = [1: "IP_TOS", 2: "IP_TTL", 3: "IP_HDRINCL", 4: "IP_OPTIONS", 8: "IP_PKTINFO", 10: "IP_MTU_DISCOVER",
                         11: "IP_RECVERR", 12: "IP_RECVTTL", 13: "IP_RECVTOS", 14: "IP_MTU", 15: "IP_FREEBIND",
                         19: "IP_TRANSPARENT", 24: "IP_BIND_ADDRESS_NO_PORT", 32: "IP_MULTICAST_IF", 33: "IP_MULTICAST_TTL",
                         34: "IP_MULTICAST_LOOP", 35: "IP_ADD_MEMBERSHIP", 36: "IP_DROP_MEMBERSHIP"]
        case 41: table = [16: "IPV6_UNICAST_HOPS", 17: "IPV6_MULTICAST_IF", 18: "IPV6_MULTICAST_HOPS", 19: "IPV6_MULTICAST_LOOP",
                          20: "IPV6_JOIN_GROUP", 23: "IPV6_MTU_DISCOVER", 24: "IPV6_MTU", 25: "IPV6_RECVERR", 26: "IPV6_V6ONLY",
                          49: "IPV6_RECVPKTINFO", 67: "IPV6_TCLASS"]
        case 17: table = [1: "UDP_CORK", 100: "UDP_ENCAP", 101: "UDP_NO_CHECK6_TX", 102: "UDP_NO_CHECK6_RX", 103: "UDP_SEGMENT", 104: "UDP_GRO"]
        default: table = [:]
        }
        return table[o] ?? String(o)
    }

    static let msgFlagNames: [(UInt64, String)] = [
        (0x1, "MSG_OOB"), (0x2, "MSG_PEEK"), (0x4, "MSG_DONTROUTE"), (0x8, "MSG_CTRUNC"), (0x10, "MSG_PROXY"),
        (0x20, "MSG_TRUNC"), (0x40, "MSG_DONTWAIT"), (0x80, "MSG_EOR"), (0x100, "MSG_WAITALL"), (0x200, "MSG_FIN"),
        (0x400, "MSG_SYN"), (0x800, "MSG_CONFIRM"), (0x1000, "MSG_RST"), (0x2000, "MSG_ERRQUEUE"),
        (0x4000, "MSG_NOSIGNAL"), (0x8000, "MSG_MORE"), (0x10000, "MSG_WAITFORONE"), (0x40000, "MSG_BATCH"),
        (0x4000000, "MSG_ZEROCOPY"), (0x20000000, "MSG_FASTOPEN"), (0x40000000, "MSG_CMSG_CLOEXEC"),
    ]

    /// `A|B|0x...`, or `0`.
    static func flags(_ v: UInt64, _ names: [(UInt64, String)]) -> String {
        if v == 0 { return "0" }
        var parts: [String] = []
        var rest = v
        for (bit, name) in names where v & bit == bit {
            parts.append(name)
            rest &= ~bit
        }
        if rest != 0 { parts.append(hex(rest)) }
        return parts.joined(separator: "|")
    }

    /// ENOENT, ECONNREFUSED, ...; `errno N` when unnamed.
    public static func errnoName(_ e: Int32) -> String {
        if let (name, _) = restartErrors[e] { return name }
        return e > 0 && Int(e) < errnoNames.count && !errnoNames[Int(e)].isEmpty ? errnoNames[Int(e)] : "errno \(e)"
    }

    static let restartErrors: [Int32: (String, String)] = [
        512: ("ERESTARTSYS", "To be restarted if SA_RESTART is set"),
        513: ("ERESTARTNOINTR", "To be restarted"),
        514: ("ERESTARTNOHAND", "To be restarted if no handler"),
        516: ("ERESTART_RESTARTBLOCK", "Interrupted by signal"),
    ]

    /// Linux errno names by number (asm-generic/errno-base.h, errno.h).
    static let errnoNames: [String] = [
        "", "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC", "EBADF", "ECHILD",
        "EAGAIN", "ENOMEM", "EACCES", "EFAULT", "ENOTBLK", "EBUSY", "EEXIST", "EXDEV", "ENODEV", "ENOTDIR",
        "EISDIR", "EINVAL", "ENFILE", "EMFILE", "ENOTTY", "ETXTBSY", "EFBIG", "ENOSPC", "ESPIPE", "EROFS",
        "EMLINK", "EPIPE", "EDOM", "ERANGE", "EDEADLK", "ENAMETOOLONG", "ENOLCK", "ENOSYS", "ENOTEMPTY", "ELOOP",
        "", "ENOMSG", "EIDRM", "ECHRNG", "EL2NSYNC", "EL3HLT", "EL3RST", "ELNRNG", "EUNATCH", "ENOCSI",
        "EL2HLT", "EBADE", "EBADR", "EXFULL", "ENOANO", "EBADRQC", "EBADSLT", "", "EBFONT", "ENOSTR",
        "ENODATA", "ETIME", "ENOSR", "ENONET", "ENOPKG", "EREMOTE", "ENOLINK", "EADV", "ESRMNT", "ECOMM",
        "EPROTO", "EMULTIHOP", "EDOTDOT", "EBADMSG", "EOVERFLOW", "ENOTUNIQ", "EBADFD", "EREMCHG", "ELIBACC", "ELIBBAD",
        "ELIBSCN", "ELIBMAX", "ELIBEXEC", "EILSEQ", "ERESTART", "ESTRPIPE", "EUSERS", "ENOTSOCK", "EDESTADDRREQ", "EMSGSIZE",
        "EPROTOTYPE", "ENOPROTOOPT", "EPROTONOSUPPORT", "ESOCKTNOSUPPORT", "EOPNOTSUPP", "EPFNOSUPPORT", "EAFNOSUPPORT", "EADDRINUSE", "EADDRNOTAVAIL", "ENETDOWN",
        "ENETUNREACH", "ENETRESET", "ECONNABORTED", "ECONNRESET", "ENOBUFS", "EISCONN", "ENOTCONN", "ESHUTDOWN", "ETOOMANYREFS", "ETIMEDOUT",
        "ECONNREFUSED", "EHOSTDOWN", "EHOSTUNREACH", "EALREADY", "EINPROGRESS", "ESTALE", "EUCLEAN", "ENOTNAM", "ENAVAIL", "EISNAM",
        "EREMOTEIO", "EDQUOT", "ENOMEDIUM", "EMEDIUMTYPE", "ECANCELED", "ENOKEY", "EKEYEXPIRED", "EKEYREVOKED", "EKEYREJECTED", "EOWNERDEAD",
        "ENOTRECOVERABLE", "ERFKILL", "EHWPOISON",
    ]
}
