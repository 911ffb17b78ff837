import BPFRecords
import KernelInfo

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

    /// Function backends in kpath's order of preference (doctor --backends prints them so).
    public static let functionBackendsFastestFirst: [Backend] = [.kprobeMulti, .kprobe, .fentry]

    /// The one backend choice of every command: the forced backend when it fits
    /// `needs` and this kernel has it, else the fastest this kernel has that fits.
    /// fentry is tried only when forced or when no kprobe backend works (a
    /// trampoline attach and detach: the slowest test, and never preferred).
    public static func choose(forced: Backend?, for needs: ProbeNeeds, features: KernelFeatures) throws -> Backend {
        if let b = forced, let why = needs.unfit(b) { throw ProbeError.backendUnavailable(b, reason: why) }
        let support = BackendSupport.detect(features: features, probeFentry: forced == .fentry)
        return try choose(forced: forced, for: needs, support: support, kprobesUnavailableReason: features.kprobesUnavailableReason)
    }

    /// The choice itself, from what this kernel was found to accept.
    public static func choose(forced: Backend?, for needs: ProbeNeeds, support: BackendSupport,
                              kprobesUnavailableReason: String?) throws -> Backend {
        if let b = forced, let why = needs.unfit(b) { throw ProbeError.backendUnavailable(b, reason: why) }
        if let b = forced {
            guard support.supports(b) else {
                throw ProbeError.backendUnavailable(b, reason: support.reasons[b.rawValue] ?? "not supported")
            }
            return b
        }
        if let b = needs.backends.first(where: support.supports) { return b }
        throw ProbeError.kprobesUnavailable(reason: kprobesUnavailableReason
            ?? support.reasons.values.sorted().joined(separator: "; "))
    }
}

/// What a program asks of the backend that attaches it to kernel functions.
public enum ProbeNeeds: Sendable {
    /// Counts entries (funccount's counter): fentry clones can run it too.
    case entries
    /// An entry and a return probe on every function (graph): kprobe.multi or kprobes.
    case returns
    /// The kernel stack at each function entry (stacks, trace, compare's stack
    /// points): the stack program has kprobe.multi and kprobe variants only.
    case stacks

    /// The backends that can attach such a program, fastest first.
    public var backends: [Backend] {
        self == .entries ? Backend.functionBackendsFastestFirst : [.kprobeMulti, .kprobe]
    }

    public func fits(_ b: Backend) -> Bool { backends.contains(b) }

    /// Why `b` cannot attach such a program (nil: it can).
    public func unfit(_ b: Backend) -> String? {
        if fits(b) { return nil }
        switch self {
        case .entries: return "tracepoints cannot count kernel functions"
        case .returns: return b == .tracepoint ? "call graphs need function probes"
                                               : "graph records returns through kprobes; use kprobe-multi or kprobe"
        case .stacks: return "kernel stacks at functions are taken through kprobes; use kprobe-multi or kprobe"
        }
    }

    /// Throws the one-line refusal when `b` cannot attach such a program.
    public func require(_ b: Backend) throws {
        if let why = unfit(b) { throw ProbeError.backendUnavailable(b, reason: why) }
    }
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

/// KP_SLOTS of bpf/include/kpath.h (a macro, so not imported): phases x {task, irq}.
public let KP_SLOTS_COUNT = Int(KP_NPHASES.rawValue) * 2
