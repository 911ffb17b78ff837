import BPFObjects
import BPFRecords
import Glibc
import KernelInfo
import Libbpf

/// One finished syscall as bpf/syscalls.bpf.c recorded it (struct
/// kp_syscall_event), copied out of the ring buffer into Swift values.
public struct SyscallEvent: Sendable, Equatable {
    public var enterNs: UInt64
    public var exitNs: UInt64
    public var tgid: Int32
    public var tid: Int32
    public var nr: Int
    public var ret: Int64
    public var args: [UInt64]
    public var comm: String
    /// The socket address the call named or filled in (bounded to KP_ADDR_MAX bytes).
    public var addr: [UInt8]
    /// The data buffer, optval or int pair the call named (bounded to KP_DATA_MAX bytes).
    public var data: [UInt8]
    /// *addrlen / *optlen / msg_namelen before and after the call; nil when not read.
    public var lenIn: Int32?
    public var lenOut: Int32?
    /// sendmsg/recvmsg: msg_iovlen, msg_controllen, msg_flags, iov[0].iov_len; readv/writev: [3] = iov[0].iov_len.
    public var msg: [UInt64]
    /// KP_SYS_RESUMED (an exit whose entry was not seen), KP_SYS_SIGNAL (a signal delivered).
    public var flags: UInt32 = 0

    public init(enterNs: UInt64, exitNs: UInt64, tgid: Int32, tid: Int32, nr: Int, ret: Int64, args: [UInt64],
                comm: String, addr: [UInt8] = [], data: [UInt8] = [], lenIn: Int32? = nil, lenOut: Int32? = nil,
                msg: [UInt64] = [0, 0, 0, 0]) {
        self.enterNs = enterNs; self.exitNs = exitNs; self.tgid = tgid; self.tid = tid; self.nr = nr
        self.ret = ret; self.args = args; self.comm = comm; self.addr = addr; self.data = data
        self.lenIn = lenIn; self.lenOut = lenOut; self.msg = msg
    }

    /// Decodes one ring buffer record; nil when it is too short to be one.
    public init?(bytes: UnsafeRawBufferPointer) {
        // A record is the struct cut after data_len bytes of data (kpath.h).
        let head = MemoryLayout<kp_syscall_event>.size - Int(KP_DATA_MAX)
        // entry records (KP_SYS_ENTRY) stop before msg: the rest reads as zeros
        let entrySize = MemoryLayout<kp_syscall_event>.offset(of: \kp_syscall_event.msg) ?? head
        guard bytes.count >= entrySize, bytes.baseAddress != nil else { return nil }
        var e = kp_syscall_event()
        withUnsafeMutableBytes(of: &e) { dst in
            dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes.prefix(min(bytes.count, dst.count))))
        }
        enterNs = e.enter_ns
        exitNs = e.exit_ns
        tgid = Int32(bitPattern: e.tgid)
        tid = Int32(bitPattern: e.tid)
        nr = Int(e.nr)
        ret = e.ret
        args = withUnsafeBytes(of: e.args) { Array($0.bindMemory(to: UInt64.self)) }
        comm = withUnsafeBytes(of: e.comm) { raw in
            let b = raw.bindMemory(to: UInt8.self)
            return String(decoding: b.prefix { $0 != 0 }, as: UTF8.self)
        }
        let addrLen = min(Int(e.addr_len), Int(KP_ADDR_MAX))
        let dataLen = min(Int(e.data_len), Int(KP_DATA_MAX), max(0, bytes.count - head))
        addr = withUnsafeBytes(of: e.addr) { Array($0.prefix(addrLen)) }
        data = withUnsafeBytes(of: e.data) { Array($0.prefix(dataLen)) }
        lenIn = e.len_in >= 0 ? e.len_in : nil
        lenOut = e.len_out >= 0 ? e.len_out : nil
        msg = withUnsafeBytes(of: e.msg) { Array($0.bindMemory(to: UInt64.self)) }
        flags = e.flags
    }
}

/// bpf/syscalls.bpf.c on the raw_syscalls tracepoints: every syscall (or the
/// chosen ones) of the tracked processes becomes one SyscallEvent, read from
/// the `syscall_events` ring buffer. Tracking (which PIDs) is the Tracker's.
public final class SyscallRecorder {
    /// The most bytes of a buffer a record carries (strace -s at most this).
    public static let dataMax = Int(KP_DATA_MAX)
    public let object: BPFObject
    private var links: [BPFLink] = []
    private var ring: BPFRingBuffer?
    private var pending: [SyscallEvent] = []
    private var malformed = 0
    private let signals: Bool

    /// Loads the object against `tracker`'s maps. `syscalls` are x86_64
    /// numbers to trace; nil traces every syscall (trace_all). `dataLimit`:
    /// bytes of each buffer copied (strace -s), at most KP_DATA_MAX.
    /// `strace`: also record signals delivered (signal:signal_deliver) and
    /// exits whose entry was not seen (calls in progress at -p attach).
    public init(tracker: Tracker, syscalls: Set<Int>?, dataLimit: Int = 64, strace: Bool = false) throws {
        signals = strace
        object = try BPFObject(name: "syscalls", bytes: BPFObjects.bytes(.syscalls))
        try tracker.share(into: object)
        try object.setRodata("trace_all", UInt32(syscalls == nil ? 1 : 0))
        try object.setRodata("data_limit", UInt32(max(1, min(dataLimit, Int(KP_DATA_MAX)))))
        try object.setRodata("trace_signals", UInt32(strace ? 1 : 0))
        try object.setRodata("trace_resumed", UInt32(strace ? 1 : 0))
        let ringMap = try object.map("syscall_events")
        try ringMap.setMaxEntries(RingBufferSize.bytes(default: ringMap.maxEntries))
        try object.load()
        if let syscalls {
            let map = try object.map("traced_syscalls")
            for nr in syscalls where nr >= 0 && nr < map.maxEntries {
                try map.update(key: UInt32(nr), value: UInt8(1))
            }
        }
        ring = try BPFRingBuffer(map: object.map("syscall_events")) { [unowned self] bytes in
            if let e = SyscallEvent(bytes: bytes) { self.pending.append(e) } else { self.malformed += 1 }
        }
    }

    /// Attaches to raw_syscalls:sys_enter and sys_exit; records flow from now on.
    public func attach() throws {
        guard links.isEmpty else { return }
        links.append(try object.program("syscall_enter").attach())
        links.append(try object.program("syscall_exit").attach())
        if signals { links.append(try object.program("signal_deliver").attach()) }
    }

    /// Entry records (KP_SYS_ENTRY) from now on, for every traced call.
    public func sendEntries() {
        try? object.map("entry_markers").update(key: UInt32(0), value: UInt32(1))
    }

    /// Waits up to `timeoutMs` for records and returns those that arrived (in
    /// the order the syscalls finished).
    public func poll(timeoutMs: Int32) -> [SyscallEvent] {
        ring?.poll(timeoutMs: timeoutMs)
        return take()
    }

    /// Every record already in the ring buffer, without waiting.
    public func drain() -> [SyscallEvent] {
        ring?.drain()
        return take()
    }

    /// Records too short to decode (should stay 0: the layout is shared through kpath.h).
    public var malformedRecords: Int { malformed }

    private func take() -> [SyscallEvent] {
        defer { pending.removeAll(keepingCapacity: true) }
        return pending
    }

    /// Stops recording; records already in the buffer can still be drained.
    public func detach() { links.forEach { $0.detach() }; links = [] }

    deinit { detach() }
}
