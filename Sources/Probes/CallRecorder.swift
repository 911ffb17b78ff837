import BPFObjects
import BPFRecords
import Dispatch
import KernelInfo
import Libbpf

/// One record of bpf/graph.bpf.c (struct kp_graph_event) as a Swift value.
public struct CallEvent: Sendable, Equatable, Codable {
    public enum Kind: UInt8, Sendable, Codable {
        case syscallEnter = 0, syscallExit = 1, entry = 2, `return` = 3
    }
    public var kind: Kind
    public var ts: UInt64
    public var tgid: Int32
    public var tid: Int32
    /// Index into the attached function list; nil for a return that names no
    /// function (kretprobes without attach cookies) and for syscall records.
    public var function: Int?
    /// The syscall the thread is in.
    public var nr: Int
    /// The function's (return) or syscall's (syscallExit) return value.
    public var ret: Int64
    /// Softirq, hardirq or NMI work that ran on top of the thread.
    public var irq: Bool
    /// Records of this thread lost (ring buffer full) just before this one.
    public var lostBefore: Int

    public init(kind: Kind, ts: UInt64, tgid: Int32 = 1, tid: Int32, function: Int? = nil, nr: Int = 42,
                ret: Int64 = 0, irq: Bool = false, lostBefore: Int = 0) {
        self.kind = kind; self.ts = ts; self.tgid = tgid; self.tid = tid; self.function = function
        self.nr = nr; self.ret = ret; self.irq = irq; self.lostBefore = lostBefore
    }

    /// Decodes one ring buffer record; nil when it is too short or of no known kind.
    public init?(bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= MemoryLayout<kp_graph_event>.size, let base = bytes.baseAddress else { return nil }
        let e = base.loadUnaligned(as: kp_graph_event.self)
        guard let k = Kind(rawValue: e.kind) else { return nil }
        kind = k
        ts = e.ts
        tgid = Int32(bitPattern: e.tgid)
        tid = Int32(bitPattern: e.tid)
        function = (k == .entry || k == .return) && e.function != KP_GRAPH_NO_FUNCTION ? Int(e.function) : nil
        nr = Int(e.nr)
        ret = e.ret
        irq = e.irq != 0
        lostBefore = Int(e.lost)
    }
}

/// bpf/graph.bpf.c attached: raw_syscalls enter/exit of the tracked threads
/// (the roots) and an entry and a return program on every function. Records
/// are read from the one `graph_events` ring buffer in arrival order.
public final class CallRecorder {
    public let functions: [String]
    public let report: AttachReport
    private let object: BPFObject
    private let probes: FunctionProbes
    private var links: [BPFLink] = []
    private var ring: BPFRingBuffer?
    private var pending: [CallEvent] = []
    public private(set) var malformedRecords = 0

    /// `syscalls`: x86-64 numbers of the syscalls to root trees at; nil: every one.
    public init(functions: [String], backend: Backend, tracker: Tracker, syscalls: Set<Int>?,
                kallsyms: Kallsyms? = nil) throws {
        self.functions = functions
        object = try BPFObject(name: "graph", bytes: BPFObjects.bytes(.graph))
        try tracker.share(into: object)
        try ProbeNeeds.returns.require(backend)
        let (entry, ret) = backend == .kprobeMulti ? ("graph_entry_multi", "graph_return_multi")
            : HitKey.current == .cookie ? ("graph_entry", "graph_return") : ("graph_entry_ip", "graph_return_ip")
        let wanted: Set<String> = [entry, ret, "graph_sys_enter", "graph_sys_exit"]
        for p in object.programs { p.autoload = wanted.contains(p.name) }
        try object.map("ip_to_index").setMaxEntries(max(1, functions.count) * 2)
        let ringMap = try object.map("graph_events")
        try ringMap.setMaxEntries(RingBufferSize.bytes(default: ringMap.maxEntries))
        try object.setRodata("trace_all", UInt32(syscalls == nil ? 1 : 0))
        try object.load()
        if let syscalls {
            let map = try object.map("traced_syscalls")
            for nr in syscalls where nr >= 0 && nr < map.maxEntries { try map.update(key: UInt32(nr), value: UInt8(1)) }
        }
        probes = FunctionProbes(functions: functions)
        report = try probes.attach(try object.program(entry), returns: try object.program(ret), backend: backend,
                                   index: try object.map("ip_to_index"), kallsyms: kallsyms)
        ring = try BPFRingBuffer(map: object.map("graph_events")) { [unowned self] bytes in
            if let e = CallEvent(bytes: bytes) { self.pending.append(e) } else { self.malformedRecords += 1 }
        }
    }

    /// Starts the roots: syscall exits first, so no thread is left marked inside a syscall.
    public func attachSyscalls() throws {
        guard links.isEmpty else { return }
        links.append(try object.program("graph_sys_exit").attach())
        links.append(try object.program("graph_sys_enter").attach())
    }

    /// Waits up to `timeoutMs` for records; returns those that arrived.
    public func poll(timeoutMs: Int32) -> [CallEvent] {
        ring?.poll(timeoutMs: timeoutMs)
        return take()
    }

    /// Every record already in the ring buffer.
    public func drain() -> [CallEvent] {
        ring?.drain()
        return take()
    }

    private func take() -> [CallEvent] {
        defer { pending.removeAll(keepingCapacity: true) }
        return pending
    }

    /// Detaches the syscall roots and every function probe; returns the seconds it took.
    @discardableResult
    public func detach() -> Double {
        let start = DispatchTime.now()
        links.forEach { $0.detach() }
        links = []
        probes.detach()
        return seconds(since: start)
    }

    deinit { links.forEach { $0.detach() } }
}
