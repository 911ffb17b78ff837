import BPFRecords
import FoundationEssentials
import KernelInfo
import Probes

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
    /// The buffer, optval or fd pair the call named (at most KP_DATA_MAX, 4096 bytes: as much as -s asked for).
    public var data: [UInt8]
    /// *addrlen / *optlen / msg_namelen before and after the call, when read.
    public var lenIn: Int32?
    public var lenOut: Int32?
    /// sendmsg/recvmsg: [msg_iovlen, msg_controllen, msg_flags, iov[0].iov_len];
    /// readv/writev: [_, _, _, iov[0].iov_len]; nil for other calls.
    public var msg: [UInt64]?
    /// strace -y: what the fds this call names or returns were (FDNames).
    public var fdNames: [Int32: String]?
    /// An exit whose entry was not seen (a call in progress at -p attach):
    /// the arguments are unknown; strace prints `<... NAME resumed>) = RET`.
    public var resumed = false
    /// Not a syscall but a signal delivered (name "signal"): args = signo,
    /// si_errno, si_code, sa_handler, sa_flags; data = the kernel_siginfo's first bytes.
    public var isSignal = false
    /// Not a finished call but its entry (args only), sent once several
    /// threads are traced: strace's `<unfinished ...>` (StraceStream).
    public var isEntry = false

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
                  msg: Self.messageCalls.contains(name) ? e.msg : nil)
        nr = e.nr
        resumed = e.flags & UInt32(KP_SYS_RESUMED) != 0
        isEntry = e.flags & UInt32(KP_SYS_ENTRY) != 0
        if e.flags & UInt32(KP_SYS_SIGNAL) != 0 {
            isSignal = true
            self.name = "signal"
            self.args = Array(e.args.prefix(5))
        }
    }

    /// The signal number, for a signal record.
    public var signal: Int32? { isSignal ? int(0) : nil }

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

    /// The calls whose `msg` is recorded (struct msghdr or the first iovec).
    /// execve: [argv strings recorded, argc, envc] (bpf/include/kpath.h).
    public static let messageCalls: Set<String> = ["sendmsg", "recvmsg", "readv", "writev", "execve"]

    /// The recorded buffer read as the C int / 64-bit value at `offset`
    /// (option values, timeouts); nil when not that much was copied.
    public func dataInt32(at offset: Int) -> Int32? {
        data.count >= offset + 4 ? Int32(bitPattern: le32(data, offset)) : nil
    }
    public func dataInt64(at offset: Int) -> Int64? {
        data.count >= offset + 8 ? Int64(bitPattern: le64(data, offset)) : nil
    }

    /// socketpair's two new fds, when the call succeeded and they were copied.
    public var fdPair: (Int32, Int32)? {
        guard name == "socketpair", finished, !failed, let a = dataInt32(at: 0), let b = dataInt32(at: 4) else { return nil }
        return (a, b)
    }

    enum CodingKeys: String, CodingKey {
        case pid, tid, comm, nr, name, args, ret, enterNs, exitNs, time, addr, address, data, lenIn, lenOut, msg, fdNames, resumed, isSignal = "signal"
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
        fdNames = try c.decodeIfPresent([Int32: String].self, forKey: .fdNames)
        resumed = try c.decodeIfPresent(Bool.self, forKey: .resumed) ?? false
        isSignal = try c.decodeIfPresent(Bool.self, forKey: .isSignal) ?? false
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
        try c.encodeIfPresent(fdNames, forKey: .fdNames)
        if resumed { try c.encode(true, forKey: .resumed) }
        if isSignal { try c.encode(true, forKey: .isSignal) }
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
