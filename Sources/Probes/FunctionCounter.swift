import BPFObjects
import BPFRecords
import Dispatch
import Glibc
import KernelInfo
import Libbpf

/// bpf/funccount.bpf.c attached to a list of functions: per-CPU counters per
/// function, per phase (the syscall the thread was in) and context (task or irq).
public final class FunctionCounter {
    public let functions: [String]
    public let report: AttachReport
    private let object: BPFObject
    private let probes: FunctionProbes
    /// Counted by the address that fired (counts_by_ip), not by cookie (counts).
    private let byAddress: Bool
    /// Address (as the program sees it) -> function index, for byAddress.
    private var indexOf: [UInt64: Int] = [:]
    /// Hits at addresses missing from indexOf (byAddress): before the last
    /// reset, and in the last read since it.
    private var unnamedBeforeReset: UInt64 = 0
    private var unnamedSinceReset: UInt64 = 0
    public var unnamedHits: UInt64 { unnamedBeforeReset &+ unnamedSinceReset }

    /// `onlyProcess`: the one process traced, children not followed (funccount -p):
    /// the programs then turn other tasks away with one compare.
    /// `split`: count per role, phase and irq (compare); funccount only needs totals.
    public init(functions: [String], backend: Backend, tracker: Tracker, kallsyms: Kallsyms? = nil, onlyProcess: Int32? = nil,
                split: Bool = true) throws {
        self.functions = functions
        object = try BPFObject(name: "funccount", bytes: BPFObjects.bytes(.funccount))
        try tracker.share(into: object)
        // kp_config is set before any recording object loads (Tracker.follow,
        // setTaskFilter), so "no filter at all" is known here, read-only for the program.
        let config = try tracker.currentConfig()
        let unfiltered = Self.noFilter(config)
        let total = unfiltered && !split && Self.benchSkip == 0
        let program: String
        // Before 6.9 a kprobe.multi link cannot tell its addresses; 6.5+ ftrace can (read while matching).
        let ftraceAddresses = backend == .kprobeMulti && !Self.multiLinkTellsCookies
            ? FilterFunctionAddresses.addresses(of: functions) : nil
        switch backend {
        case .kprobeMulti where !Self.multiLinkTellsCookies && ftraceAddresses == nil: program = "count_kprobe_multi"
        case .kprobeMulti: program = total ? "total_kprobe_multi_ip" : onlyProcess != nil ? "pid_kprobe_multi_ip" : "count_kprobe_multi_ip"
        case .kprobe where HitKey.current == .cookie: program = onlyProcess != nil ? "pid_kprobe" : "count_kprobe"
        case .kprobe: program = total ? "total_kprobe_ip" : onlyProcess != nil ? "pid_kprobe_ip" : "count_kprobe_ip"
        case .fentry: program = total ? "total_fentry" : "count_fentry"
        case .tracepoint: throw ProbeError.backendUnavailable(.tracepoint, reason: "tracepoints cannot count kernel functions")
        }
        byAddress = !["count_kprobe", "pid_kprobe", "count_kprobe_multi"].contains(program)
        for p in object.programs { p.autoload = p.name == program }
        let n = max(1, functions.count)
        try object.map("counts").setMaxEntries(byAddress ? 1 : n * Self.perFunction)
        // Every slot of every function a program can file: an insert never finds the map full.
        try object.map("counts_by_ip").setMaxEntries(byAddress ? n * (split ? Self.perFunction : 1) : 1)
        try object.map("ip_to_index").setMaxEntries(byAddress ? max(n * 2, 2 * (ftraceAddresses?.joined().count ?? 0)) : 1)
        try object.setRodata("use_phases", UInt8(tracker.phasesAttached ? 1 : 0))
        try object.setRodata("split", UInt8(split ? 1 : 0))
        try object.setRodata("unfiltered", UInt8(unfiltered ? 1 : 0))
        try object.setRodata("only_tgid", UInt32(max(0, onlyProcess ?? 0)))
        try object.setRodata("pid_only", UInt8(onlyProcess != nil && Self.benchSkip == 0 && Self.noTaskFilter(config) ? 1 : 0))
        try object.setRodata("bench_skip", Self.benchSkip)
        try object.load()
        probes = FunctionProbes(functions: functions)
        let prog = try object.program(program)
        let index = try object.map("ip_to_index")
        report = try probes.attach(prog, backend: backend, index: index, kallsyms: kallsyms)
        if let ftraceAddresses {
            try Self.file(ftraceAddresses: ftraceAddresses, into: index)
        } else if backend == .kprobeMulti, byAddress, try !Self.fileAddresses(of: probes, into: index, capacity: functions.count) {
            // The link did not tell its addresses: kallsyms does, slower. Filed as
            // is, not through AddressKeys: kprobe.multi's bpf_get_func_ip is the
            // function's own address, not a kprobe's +1 (+5 past ENDBR64).
            let addrs = try (kallsyms ?? Kallsyms.load()).functionAddresses()
            for (i, f) in functions.enumerated() { if let a = addrs[f] { try index.update(key: a, value: UInt32(i)) } }
        }
        if byAddress {
            for (address, i) in index.entries(key: UInt64.self, value: UInt32.self) { indexOf[address] = Int(i) }
        }
    }

    /// No -p, no command, no --tid/--comm/-c: every task's hits count.
    static func noFilter(_ c: kp_config) -> Bool {
        c.filter_tgids == 0 && noTaskFilter(c)
    }

    /// No --tid/--comm/-c: a traced task's hits all count (with -p, the pid compare decides alone).
    static func noTaskFilter(_ c: kp_config) -> Bool {
        let comm = withUnsafeBytes(of: c.only_comm) { $0.first ?? 0 }
        return c.only_tid == 0 && c.only_cpu == 0 && comm == 0
    }

    /// 6.9+: a kprobe.multi link reports each address's cookie, so hits can be
    /// keyed by address in a hash (count_kprobe_multi_ip) instead of the cookie
    /// helper's binary search, which scripts/bench-hit measured at ~2/3 of a hit.
    /// (KPATH_FILTER_ADDRS=1 takes the 6.5-6.8 path instead: FilterFunctionAddresses.)
    static var multiLinkTellsCookies: Bool {
        !FilterFunctionAddresses.forced && KernelFeatures.releaseAtLeast(6, 9)
    }

    /// Address -> function index for the address programs, from each link's
    /// own (address, cookie) pairs; false if a link cannot tell them.
    static func fileAddresses(of probes: FunctionProbes, into index: BPFMap, capacity: Int) throws -> Bool {
        for link in probes.links {
            guard let pairs = KprobeMultiInfo.addressCookies(link, capacity: capacity) else { return false }
            for (address, cookie) in pairs { try index.update(key: address, value: UInt32(cookie)) }
        }
        return true
    }

    /// 6.5-6.8: each function's ftrace addresses (FilterFunctionAddresses) under
    /// its index. bpf_get_func_ip gives a kprobe.multi program the function's
    /// start: the ftrace address, or 4 bytes before it past an ENDBR64 (IBT),
    /// so both are filed; the one that never fires costs a map entry.
    static func file(ftraceAddresses: [[UInt64]], into index: BPFMap) throws {
        for (i, addresses) in ftraceAddresses.enumerated() {
            for a in addresses {
                try index.update(key: a, value: UInt32(i))
                try index.update(key: a &- 4, value: UInt32(i))
            }
        }
    }

    /// `KPATH_FUNCCOUNT_SKIP=BITS` (scripts/bench-hit only): steps of the hot
    /// path left out to time each by difference; the counts are then wrong.
    static var benchSkip: UInt32 {
        guard let v = getenv("KPATH_FUNCCOUNT_SKIP") else { return 0 }
        return UInt32(String(cString: v)) ?? 0
    }

    /// Counter slots per function: roles x phases x {task, irq}.
    static let perFunction = Int(KP_NROLES.rawValue) * KP_SLOTS_COUNT

    /// Hits of one function in one role, phase and context.
    public struct Hits: Sendable {
        /// `[role - 1][phase][irq ? 1 : 0]`
        public var slots: [[[UInt64]]]
        public var total: UInt64 { slots.joined().joined().reduce(0, +) }
        public func total(role: Role) -> UInt64 { slots[role.rawValue - 1].joined().reduce(0, +) }
        public func count(role: Role, phase: Phase, irq: Bool) -> UInt64 { slots[role.rawValue - 1][phase.rawValue][irq ? 1 : 0] }
    }

    /// Every slot of every function, summed over CPUs: index function * perFunction + slot.
    func flatCounts() throws -> [UInt64] {
        guard byAddress else { return try object.map("counts").sumPerCPUArray(count: functions.count * Self.perFunction) }
        var flat = [UInt64](repeating: 0, count: functions.count * Self.perFunction)
        var unnamed: UInt64 = 0
        for (key, sum) in try object.map("counts_by_ip").sumPerCPUHash() {
            let (address, slot) = Self.addressAndSlot(key)
            guard slot < Self.perFunction, let f = indexOf[address] else { unnamed &+= sum; continue }
            flat[f * Self.perFunction + slot] &+= sum
        }
        unnamedSinceReset = unnamed
        return flat
    }

    /// A counts_by_ip key, address ^ (slot << 32), taken apart: kernel text
    /// addresses have all ones above bit 31, so the upper half is ~slot.
    static func addressAndSlot(_ key: UInt64) -> (address: UInt64, slot: Int) {
        let slot = UInt32(truncatingIfNeeded: key >> 32) ^ 0xffff_ffff
        return (key ^ (UInt64(slot) << 32), Int(slot))
    }

    /// Every function's hits, read once from the counters.
    public func hits() throws -> [Hits] {
        let flat = try flatCounts()
        let phases = Int(KP_NPHASES.rawValue)
        return (0..<functions.count).map { f in
            Hits(slots: (0..<Int(KP_NROLES.rawValue)).map { r in
                (0..<phases).map { p in
                    let base = f * Self.perFunction + r * KP_SLOTS_COUNT + p * 2
                    return [flat[base], flat[base + 1]]
                }
            })
        }
    }

    /// Total hits per function.
    public func totals() throws -> [UInt64] { try hits().map(\.total) }

    /// Zeroes the counters (for -i intervals).
    public func reset() throws {
        if byAddress {
            _ = try flatCounts() // what the window held unnamed stays said
            unnamedBeforeReset &+= unnamedSinceReset
            unnamedSinceReset = 0
            let m = try object.map("counts_by_ip")
            for k in m.keys() { m.delete(key: k) }
            return
        }
        let m = try object.map("counts")
        for k in 0..<(functions.count * Self.perFunction) { try m.updatePerCPU(key: UInt32(k), value: UInt64(0)) }
    }

    /// Seconds detach took.
    @discardableResult
    public func detach() -> Double {
        let start = DispatchTime.now()
        probes.detach()
        return seconds(since: start)
    }
}
