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

    /// `onlyProcess`: the one process traced, children not followed (funccount -p):
    /// the programs then turn other tasks away with one compare.
    public init(functions: [String], backend: Backend, tracker: Tracker, kallsyms: Kallsyms? = nil, onlyProcess: Int32? = nil) throws {
        self.functions = functions
        object = try BPFObject(name: "funccount", bytes: BPFObjects.bytes(.funccount))
        try tracker.share(into: object)
        let program: String
        switch backend {
        case .kprobeMulti: program = Self.multiLinkTellsCookies ? "count_kprobe_multi_ip" : "count_kprobe_multi"
        case .kprobe: program = HitKey.current == .cookie ? "count_kprobe" : "count_kprobe_ip"
        case .fentry: program = "count_fentry"
        case .tracepoint: throw ProbeError.backendUnavailable(.tracepoint, reason: "tracepoints cannot count kernel functions")
        }
        for p in object.programs { p.autoload = p.name == program }
        try object.map("counts").setMaxEntries(max(1, functions.count) * Self.perFunction)
        try object.map("ip_to_index").setMaxEntries(max(1, functions.count) * 2)
        try object.setRodata("use_phases", UInt8(tracker.phasesAttached ? 1 : 0))
        try object.setRodata("only_tgid", UInt32(max(0, onlyProcess ?? 0)))
        try object.setRodata("bench_skip", Self.benchSkip)
        try object.load()
        probes = FunctionProbes(functions: functions)
        let prog = try object.program(program)
        report = try probes.attach(prog, backend: backend, index: try object.map("ip_to_index"), kallsyms: kallsyms)
        if program == "count_kprobe_multi_ip" { try Self.fileAddresses(of: probes, into: try object.map("ip_to_index"), capacity: functions.count) }
    }

    /// 6.9+: a kprobe.multi link reports each address's cookie, so hits can be
    /// keyed by address in a hash (count_kprobe_multi_ip) instead of the cookie
    /// helper's binary search, which scripts/bench-hit measured at ~2/3 of a hit.
    static var multiLinkTellsCookies: Bool {
        var u = utsname()
        uname(&u)
        let release = withUnsafeBytes(of: &u.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let v = release.split(separator: ".").prefix(2).map { Int($0.prefix { $0.isNumber }) ?? 0 }
        return v.count == 2 && (v[0], v[1]) >= (6, 9)
    }

    /// Address -> function index for count_kprobe_multi_ip, from each link's
    /// own (address, cookie) pairs; a link that cannot tell leaves its hits on the cookie.
    static func fileAddresses(of probes: FunctionProbes, into index: BPFMap, capacity: Int) throws {
        for link in probes.links {
            for (address, cookie) in KprobeMultiInfo.addressCookies(link, capacity: capacity) ?? [] {
                try index.update(key: address, value: UInt32(cookie))
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

    /// Every function's hits, read once from the per-CPU array.
    public func hits() throws -> [Hits] {
        let flat = try object.map("counts").sumPerCPUArray(count: functions.count * Self.perFunction)
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
