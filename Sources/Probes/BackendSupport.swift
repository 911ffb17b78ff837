import KernelInfo

/// Which function backends this kernel accepts, found by trying them (as
/// bpftrace's bpffeature does). Each test lives with the attach mode it is
/// for (AttachMulti.swift, AttachEach.swift, AttachFentry.swift) and runs at
/// most once per process.
public struct BackendSupport: Codable, Sendable {
    public var kprobe: Bool
    public var kprobeMulti: Bool
    public var fentry: Bool
    /// Why each missing backend is missing.
    public var reasons: [String: String]

    public init(kprobe: Bool, kprobeMulti: Bool, fentry: Bool, reasons: [String: String] = [:]) {
        self.kprobe = kprobe; self.kprobeMulti = kprobeMulti; self.fentry = fentry; self.reasons = reasons
    }

    /// Tries the backends. fentry is tried only when `probeFentry` is set or no
    /// kprobe backend works: it is the slowest to try (a trampoline attach and
    /// detach) and never chosen over a kprobe backend. `loadPrograms` (doctor)
    /// also loads and attaches the kprobe programs the commands will use; a
    /// command does not pay for that at start-up: its own load says the same.
    public static func detect(features: KernelFeatures = .detect(), probeFentry: Bool = true,
                              loadPrograms: Bool = false) -> BackendSupport {
        var s = BackendSupport(kprobe: false, kprobeMulti: false, fentry: false, reasons: [:])
        func record(_ b: Backend, _ refusal: String?) -> Bool {
            s.reasons[b.rawValue] = refusal
            return refusal == nil
        }
        if let why = features.kprobesUnavailableReason {
            s.reasons[Backend.kprobe.rawValue] = why
            s.reasons[Backend.kprobeMulti.rawValue] = why
        } else {
            // Loaded as the commands load it: a kernel with kprobes may still
            // refuse the program (cookie helpers before 5.15).
            s.kprobe = loadPrograms ? record(.kprobe, FunctionProbes.kprobeRefusal) : true
            s.kprobeMulti = record(.kprobeMulti, FunctionProbes.kprobeMultiRefusal)
        }
        if !features.btf {
            s.reasons[Backend.fentry.rawValue] = "no kernel BTF (/sys/kernel/btf/vmlinux)"
        } else if probeFentry || !s.kprobe {
            s.fentry = record(.fentry, FunctionProbes.fentryRefusal)
        } else {
            s.reasons[Backend.fentry.rawValue] = "not tried: a kprobe backend is available"
        }
        return s
    }

    /// The fastest available function backend, in kpath's order of preference.
    public var best: Backend? { Backend.functionBackendsFastestFirst.first(where: supports) }

    public func supports(_ b: Backend) -> Bool {
        switch b {
        case .kprobeMulti: return kprobeMulti
        case .kprobe: return kprobe
        case .fentry: return fentry
        case .tracepoint: return true
        }
    }
}
