import BPFObjects
import BPFRecords
import Dispatch
import KernelInfo
import Libbpf

/// One unique (target, kernel stack, task, phase, context) as counted in the
/// kernel, with the stack's raw addresses (innermost first).
public struct CollectedStack: Sendable, Equatable {
    /// Index into `StackCollector.targets` (the attach cookie).
    public var target: Int
    /// The stack map id; negative is bpf_get_stackid's -errno (stack lost).
    public var stackID: Int32
    /// Innermost first; empty when the stack was lost.
    public var addresses: [UInt64]
    public var tgid: UInt32
    public var tid: UInt32
    public var comm: String
    public var phase: Phase
    /// Taken in softirq/hardirq context on top of the task.
    public var softirq: Bool
    public var count: UInt64
    /// bpf_ktime_get_ns (CLOCK_MONOTONIC) of the first hit.
    public var firstNs: UInt64
    /// Event mode at a tracepoint: the first KP_TP_DATA_MAX bytes of its raw
    /// record (kp_tp_hit_event), for TracepointFormat to name; else empty.
    public var record: [UInt8] = []

    public init(target: Int, stackID: Int32, addresses: [UInt64], tgid: UInt32, tid: UInt32, comm: String,
                phase: Phase, softirq: Bool, count: UInt64, firstNs: UInt64) {
        self.target = target; self.stackID = stackID; self.addresses = addresses
        self.tgid = tgid; self.tid = tid; self.comm = comm; self.phase = phase
        self.softirq = softirq; self.count = count; self.firstNs = firstNs
    }
}

/// One hit in event mode (`kpath trace -K`): a stack counted once, at `ns`.
public typealias StackHit = CollectedStack

extension CollectedStack {
    /// A hit's time: bpf_ktime_get_ns (CLOCK_MONOTONIC).
    public var ns: UInt64 { firstNs }
}

/// What full maps and buffers cost (the shared kp_lost counters).
public struct StackLosses: Codable, Sendable, Equatable {
    /// bpf_get_stackid failed: the stack map is full (a bucket collision, as
    /// the map keeps one stack per hash bucket). The hits are still counted,
    /// under a missing stack.
    public var stacks: UInt64
    /// The stack_counts hash was full: hits not counted at all.
    public var counts: UInt64
    /// The ring buffer was full: hits not reported as events.
    public var events: UInt64
    /// The tracked-process map was full: children of traced processes that
    /// were not traced (their hits are missing from every count).
    public var tracked: UInt64
    /// Function counts keyed by address (FunctionCounter's address programs)
    /// at an address kpath could not name: hits missing from the table.
    public var unnamed: UInt64

    public init(stacks: UInt64 = 0, counts: UInt64 = 0, events: UInt64 = 0, tracked: UInt64 = 0, unnamed: UInt64 = 0) {
        self.stacks = stacks; self.counts = counts; self.events = events; self.tracked = tracked; self.unnamed = unnamed
    }

    public var isEmpty: Bool { stacks == 0 && counts == 0 && events == 0 && tracked == 0 && unnamed == 0 }

    enum CodingKeys: String, CodingKey { case stacks, counts, events, tracked, unnamed }

    /// `tracked` and `unnamed` may be missing: results saved before they were counted.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(stacks: try c.decode(UInt64.self, forKey: .stacks), counts: try c.decode(UInt64.self, forKey: .counts),
                  events: try c.decode(UInt64.self, forKey: .events),
                  tracked: try c.decodeIfPresent(UInt64.self, forKey: .tracked) ?? 0,
                  unnamed: try c.decodeIfPresent(UInt64.self, forKey: .unnamed) ?? 0)
    }
}

/// bpf/stacks.bpf.c attached to targets: kernel functions through
/// FunctionProbes (kprobe-multi or kprobe backend) and tracepoints, each with
/// its index in `targets` as attach cookie. Counts unique kernel stacks in the
/// kernel (like bcc's stackcount); with `events`, also sends every hit through
/// a ring buffer (like bcc's trace -K).
public final class StackCollector {
    /// The targets, functions first then tracepoints: `targets[cookie]`.
    public let targets: [TraceTarget]
    /// How the functions attached (nil when there are only tracepoints).
    public let functionReport: AttachReport?
    /// The backend functions were attached with (nil: only tracepoints).
    public let backend: Backend?
    public let events: Bool
    public let object: BPFObject
    private let tracker: Tracker
    private let tracepointCount: Int
    private var probes: FunctionProbes?
    private var tracepointLinks: [BPFLink] = []
    /// Without cookies: one more instance of the object per tracepoint.
    private var tracepointObjects: [BPFObject] = []
    private var ring: BPFRingBuffer?
    private var pending: [StackHit] = []
    private var stackCache: [Int32: [UInt64]] = [:]

    public struct Options {
        /// Send every hit through the ring buffer as well (`trace -K`).
        public var events = false
        /// Stacks the stack map holds (one per hash bucket: collisions lose stacks).
        public var stackMapEntries = 16384
        /// Unique (target, stack, task, phase, context) keys the count hash holds.
        public var countEntries = 32768
        /// Ring buffer bytes in event mode (a power of two).
        public var ringBytes = 1 << 22
        public init() {}
    }

    /// Loads the stacks object sharing `tracker`'s maps and attaches it. A
    /// function target with `backend` nil or .tracepoint is an error; so is
    /// .fentry (the stack program has no fentry variant).
    public init(targets: [TraceTarget], backend: Backend?, tracker: Tracker, options: Options = Options()) throws {
        let functions = targets.compactMap(\.functionName)
        let tracepoints = targets.filter(\.isTracepoint)
        self.targets = functions.map(TraceTarget.function) + tracepoints
        self.tracker = tracker
        tracepointCount = tracepoints.count
        events = options.events
        var program: String? = nil
        if !functions.isEmpty {
            guard let backend else { throw ProbeError.backendUnavailable(.tracepoint, reason: "tracepoints cannot probe kernel functions") }
            try ProbeNeeds.stacks.require(backend)
            program = backend == .kprobeMulti ? "stack_kprobe_multi" : HitKey.current == .cookie ? "stack_kprobe" : "stack_kprobe_ip"
        }
        self.backend = functions.isEmpty ? nil : backend
        object = try BPFObject(name: "stacks", bytes: BPFObjects.bytes(.stacks))
        try tracker.share(into: object)
        let tracepointsByCookie = HitKey.current == .cookie
        for p in object.programs {
            p.autoload = p.name == program || (p.name == "stack_tracepoint" && tracepointsByCookie && !tracepoints.isEmpty)
        }
        try object.map("target_of").setMaxEntries(max(1, 2 * functions.count))
        try object.map("stack_traces").setMaxEntries(options.stackMapEntries)
        try object.map("stack_counts").setMaxEntries(options.countEntries)
        // The ring buffer is only read in event mode: keep it one page otherwise.
        try object.map("hit_events").setMaxEntries(options.events ? RingBufferSize.bytes(default: options.ringBytes) : 4096)
        if options.events { try object.setRodata("emit_events", UInt32(1)) }
        try object.load()

        if let program, let backend {
            let p = FunctionProbes(functions: functions)
            probes = p
            functionReport = try p.attach(try object.program(program), backend: backend, index: try object.map("target_of"))
        } else {
            functionReport = nil
        }
        if !tracepoints.isEmpty {
            for (j, t) in tracepoints.enumerated() {
                if Interrupt.requested { throw Cancelled() }
                guard case .tracepoint(let c, let e) = t else { continue }
                let target = functions.count + j
                let prog = tracepointsByCookie ? try object.program("stack_tracepoint") : try fixedTracepointProgram(target: target, tracker: tracker)
                tracepointLinks.append(try prog.attachTracepoint(category: c, event: e, cookie: tracepointsByCookie ? UInt64(target) : 0))
            }
        }
        if let r = functionReport, r.attached.isEmpty, tracepoints.isEmpty {
            throw ProbeError.nothingAttached(r.skippedSummary ?? "every function refused")
        }
        if options.events {
            ring = try BPFRingBuffer(map: try object.map("hit_events")) { [unowned self] bytes in
                self.receive(bytes)
            }
        }
    }

    /// Without cookies: another instance of the object, maps shared with this
    /// one, whose tracepoint program records `target` (a constant of its own).
    private func fixedTracepointProgram(target: Int, tracker: Tracker) throws -> BPFProgram {
        let o = try BPFObject(name: "stacks", bytes: BPFObjects.bytes(.stacks))
        try tracker.share(into: o)
        try o.shareMaps(["stack_traces", "stack_counts", "hit_events", "target_of"], with: object)
        for p in o.programs { p.autoload = p.name == "stack_tracepoint_fixed" }
        if events { try o.setRodata("emit_events", UInt32(1)) }
        try o.setRodata("tp_target", UInt32(target))
        try o.load()
        tracepointObjects.append(o)
        return try o.program("stack_tracepoint_fixed")
    }

    /// Indices of the targets that are attached (functions that refused are not).
    public var attachedTargets: [Int] {
        let nf = targets.count - tracepointCount
        return (functionReport?.attached ?? []) + Array(nf..<targets.count)
    }

    /// The frames of stack `id`, innermost first (cached: ids are stable while loaded).
    public func stack(id: Int32) -> [UInt64] {
        guard id >= 0 else { return [] }
        if let s = stackCache[id] { return s }
        guard let m = try? object.map("stack_traces") else { return [] }
        let s = m.stack(id: id)
        stackCache[id] = s
        return s
    }

    /// Every counted (target, stack, task, phase, context), read from the kernel now.
    public func samples() throws -> [CollectedStack] {
        let m = try object.map("stack_counts")
        return m.entries(key: kp_stack_key.self, value: kp_stack_val.self).map { k, v in
            CollectedStack(target: Int(k.target), stackID: k.kstack, addresses: stack(id: k.kstack),
                        tgid: k.tgid, tid: k.tid, comm: commString(k.comm),
                        phase: Phase(rawValue: Int(k.phase)) ?? .other, softirq: k.softirq != 0,
                        count: v.count, firstNs: v.first_ns)
        }
    }

    /// Event mode: waits up to `timeoutMs` for hits and returns those that came.
    public func poll(timeoutMs: Int32) -> [StackHit] {
        guard let ring else { return [] }
        ring.poll(timeoutMs: timeoutMs)
        defer { pending = [] }
        return pending
    }

    /// Event mode: whatever is in the ring buffer now, without waiting.
    public func drain() -> [StackHit] {
        guard let ring else { return [] }
        ring.drain()
        defer { pending = [] }
        return pending
    }

    private func receive(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= MemoryLayout<kp_hit_event>.size else { return }
        let e = bytes.loadUnaligned(as: kp_hit_event.self)
        var hit = StackHit(target: Int(e.target), stackID: e.kstack, addresses: stack(id: e.kstack),
                           tgid: e.tgid, tid: e.tid, comm: commString(e.comm),
                           phase: Phase(rawValue: Int(e.phase)) ?? .other, softirq: e.softirq != 0, count: 1, firstNs: e.ts)
        let head = MemoryLayout<kp_tp_hit_event>.offset(of: \kp_tp_hit_event.data)!
        if bytes.count >= head + Int(KP_TP_DATA_MAX) {
            hit.record = Array(bytes[head..<(head + Int(KP_TP_DATA_MAX))])
        }
        pending.append(hit)
    }

    /// What full maps and buffers cost so far.
    public func losses() -> StackLosses { tracker.losses() }

    /// Empties the count hash (stack ids stay valid).
    public func clearCounts() throws {
        let m = try object.map("stack_counts")
        for (k, _) in m.entries(key: kp_stack_key.self, value: kp_stack_val.self) { m.delete(key: k) }
    }

    /// Detaches every probe; maps stay readable. Returns seconds taken.
    @discardableResult
    public func detach() -> Double {
        let start = DispatchTime.now()
        probes?.detach()
        tracepointLinks.forEach { $0.detach() }
        tracepointLinks = []
        return seconds(since: start)
    }

    deinit { detach() }
}

/// A fixed `char comm[16]` as a String (up to the first NUL).
func commString<T>(_ tuple: T) -> String {
    withUnsafeBytes(of: tuple) { raw in
        let bytes = raw.prefix { $0 != 0 }
        return String(decoding: bytes, as: UTF8.self)
    }
}
