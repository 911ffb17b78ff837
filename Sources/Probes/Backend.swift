import BPFObjects
import BPFRecords
import KernelInfo
import Glibc
import Libbpf

/// How kpath attaches one program to many kernel functions.
public enum Backend: String, CaseIterable, Codable, Sendable {
    /// One kprobe.multi (fprobe) link for all functions, a cookie per function (5.18+, CONFIG_FPROBE).
    case kprobeMulti = "kprobe-multi"
    /// One perf-event kprobe per function, a cookie each (CONFIG_KPROBES).
    case kprobe
    /// One BPF trampoline program per function, told apart by function address (BTF, 5.5+).
    case fentry
    /// No function probes: syscall and network tracepoints, functions only as seen on stacks.
    case tracepoint

    public var isFunctionBackend: Bool { self != .tracepoint }
}

public enum ProbeError: Error, CustomStringConvertible {
    case notPrivileged
    case kprobesUnavailable(reason: String)
    case backendUnavailable(Backend, reason: String)
    case nothingAttached(String)
    case unknownTracepoint(String)

    public var description: String {
        switch self {
        case .notPrivileged:
            return "tracing needs root (or CAP_BPF and CAP_PERFMON); run it with sudo"
        case .kprobesUnavailable(let r):
            return "cannot probe kernel functions on this kernel: \(r); see `kpath doctor` for details\(Checkout.vmtestHint)"
        case .backendUnavailable(let b, let r):
            return "backend \(b.rawValue) is not available here: \(r); omit --backend to let kpath choose, or see `kpath doctor`"
        case .nothingAttached(let r):
            return "no probe could be attached: \(r)"
        case .unknownTracepoint(let t):
            return "no tracepoint \(t) on this kernel; list them with `ls /sys/kernel/tracing/events/CATEGORY`"
        }
    }
}

/// Which function backends this kernel accepts, found by trying them (as bpftrace's bpffeature does).
public struct BackendSupport: Codable, Sendable {
    public var kprobe: Bool
    public var kprobeMulti: Bool
    public var fentry: Bool
    /// Why each missing backend is missing.
    public var reasons: [String: String]

    nonisolated(unsafe) private static var cachedKprobe: (Bool, String?)?
    nonisolated(unsafe) private static var cachedMulti: (Bool, String?)?
    nonisolated(unsafe) private static var cachedFentry: (Bool, String?)?

    /// Tries the backends. fentry is tried only when `probeFentry` is set or no
    /// kprobe backend works: it is the slowest to try (a trampoline attach and
    /// detach) and never chosen over a kprobe backend. `loadPrograms` (doctor)
    /// also loads and attaches the kprobe programs the commands will use; a
    /// command does not pay for that at start-up: its own load says the same.
    public static func detect(features: KernelFeatures = .detect(), probeFentry: Bool = true,
                              loadPrograms: Bool = false) -> BackendSupport {
        var s = BackendSupport(kprobe: false, kprobeMulti: false, fentry: false, reasons: [:])
        if let why = features.kprobesUnavailableReason {
            s.reasons[Backend.kprobe.rawValue] = why
            s.reasons[Backend.kprobeMulti.rawValue] = why
        } else {
            // Loaded as the commands load it: a kernel with kprobes may still
            // refuse the program (cookie helpers before 5.15).
            if loadPrograms {
                if cachedKprobe == nil { cachedKprobe = probeKprobe() }
                (s.kprobe, s.reasons[Backend.kprobe.rawValue]) = cachedKprobe!
            } else {
                s.kprobe = true
            }
            if cachedMulti == nil { cachedMulti = probeKprobeMulti() }
            (s.kprobeMulti, s.reasons[Backend.kprobeMulti.rawValue]) = cachedMulti!
        }
        if !features.btf {
            s.reasons[Backend.fentry.rawValue] = "no kernel BTF (/sys/kernel/btf/vmlinux)"
        } else if probeFentry || !s.kprobe {
            if cachedFentry == nil { cachedFentry = Self.probeFentry() }
            (s.fentry, s.reasons[Backend.fentry.rawValue]) = cachedFentry!
        } else {
            s.reasons[Backend.fentry.rawValue] = "not tried: a kprobe backend is available"
        }
        return s
    }

    /// The fastest available function backend, in kpath's order of preference.
    public var best: Backend? {
        if kprobeMulti { return .kprobeMulti }
        if kprobe { return .kprobe }
        if fentry { return .fentry }
        return nil
    }

    public func supports(_ b: Backend) -> Bool {
        switch b {
        case .kprobeMulti: return kprobeMulti
        case .kprobe: return kprobe
        case .fentry: return fentry
        case .tracepoint: return true
        }
    }

    /// Functions present on every kernel kpath supports, to try a backend on.
    static let probeFunctions = ["tcp_v4_connect", "vfs_read", "ksys_read", "__x64_sys_getpid"]

    /// Loads the kprobe programs funccount and stacks will use (HitKey.current
    /// picks the variant) and attaches each to one always-present function.
    static func probeKprobe() -> (Bool, String?) {
        let cookie = HitKey.current == .cookie
        let programs: [(BPFObjectName, String)] = [(.funccount, cookie ? "count_kprobe" : "count_kprobe_ip"),
                                                   (.stacks, cookie ? "stack_kprobe" : "stack_kprobe_ip")]
        do {
            let tracker = try Tracker()
            for (name, program) in programs {
                let obj = try BPFObject(name: name.rawValue, bytes: BPFObjects.bytes(name))
                try tracker.share(into: obj)
                for p in obj.programs { p.autoload = p.name == program }
                if name == .funccount { try obj.setRodata("use_phases", UInt8(1)) }  // compare's path
                // small maps: only the program's acceptance is in question
                for m in obj.maps where ["counts", "stack_traces", "stack_counts"].contains(m.name) { try m.setMaxEntries(64) }
                if name == .stacks { try obj.map("hit_events").setMaxEntries(4096) }
                try obj.load()
                var last: BPFError? = nil
                var attached = false
                for f in probeFunctions where !attached {
                    do {
                        try obj.program(program).attachKprobe(f, cookie: 0).detach()
                        attached = true
                    } catch let e as BPFError { last = e }
                }
                if !attached { throw last! }
            }
            return (true, nil)
        } catch let e as BPFError {
            return (false, "kprobe program refused (\(e.errnoText))")
        } catch {
            return (false, "\(error)")
        }
    }

    /// kprobe.multi without loading funccount's object or attaching (Libbpf's KprobeMultiProbe).
    static func probeKprobeMulti() -> (Bool, String?) {
        guard let e = KprobeMultiProbe.refusal() else { return (true, nil) }
        return (false, "kprobe.multi refused (\(String(cString: strerror(e)))); needs Linux 5.18+ with CONFIG_FPROBE")
    }

    /// Loads funccount's fentry program against tcp_v4_connect and attaches it.
    static func probeFentry() -> (Bool, String?) {
        do {
            let obj = try BPFObject(name: "funccount", bytes: BPFObjects.bytes(.funccount))
            for p in obj.programs { p.autoload = p.name == "count_fentry" }
            try obj.map("counts").setMaxEntries(KP_SLOTS_COUNT)
            try obj.load()
            let link = try obj.program("count_fentry").attach()
            link.detach()
            return (true, nil)
        } catch let e as BPFError {
            return (false, "fentry refused (\(e.errnoText))")
        } catch {
            return (false, "\(error)")
        }
    }
}

/// KP_SLOTS of bpf/include/kpath.h (a macro, so not imported): phases x {task, irq}.
public let KP_SLOTS_COUNT = Int(KP_NPHASES.rawValue) * 2
