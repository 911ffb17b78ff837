import KernelInfo
import Probes

/// One unique kernel stack at one target, as counted in the kernel: per task,
/// per phase (the syscall the thread was in) and context (task or softirq).
/// In JSON the phase is its name (`connect`) and addresses are hex strings.
public struct KernelStack: Codable, Sendable, Equatable {
    /// The function (`tcp_v4_connect`) or tracepoint (`net:net_dev_queue`).
    public var target: String
    public var targetIsTracepoint: Bool
    /// Symbolized `name+0xoff` (` [module]` for module code), innermost first.
    public var frames: [String]
    /// The raw return addresses, innermost first (same length as frames).
    @HexAddresses public var addresses: [UInt64]
    public var count: UInt64
    /// CLOCK_MONOTONIC ns of the first hit (orders "first transmit").
    public var firstNs: UInt64
    public var tgid: UInt32
    public var tid: UInt32
    public var comm: String
    public var phase: Phase
    /// Taken in softirq/hardirq context on top of the task (loopback receive).
    public var softirq: Bool
    /// bpf_get_stackid's errno when the stack itself was lost (EEXIST: the
    /// stack map is full); the hits are still counted here.
    public var stackError: Int32?

    public init(target: String, targetIsTracepoint: Bool, frames: [String], addresses: [UInt64], count: UInt64,
                firstNs: UInt64, tgid: UInt32, tid: UInt32, comm: String, phase: Phase, softirq: Bool, stackError: Int32? = nil) {
        self.target = target; self.targetIsTracepoint = targetIsTracepoint; self.frames = frames
        self.addresses = addresses; self.count = count; self.firstNs = firstNs; self.tgid = tgid
        self.tid = tid; self.comm = comm; self.phase = phase; self.softirq = softirq; self.stackError = stackError
    }

    /// Frame names without offsets or modules (for matching: `tcp_v4_connect`).
    public var functions: [String] { frames.map(StackFrames.name) }

    /// Whether the stack itself shows interrupt entry (softirq or hardirq
    /// frames): a cross-check of `softirq`, which the BPF side keeps from the
    /// irq tracepoints.
    public var showsInterrupt: Bool { frames.contains { StackFrames.isInterruptEntry(StackFrames.name($0)) } }

    /// Whether `function` is on this stack (by name).
    public func contains(_ function: String) -> Bool { frames.contains { StackFrames.name($0) == function } }

    /// What reports print, innermost first: the frames (or the missing-stack
    /// marker), with the target on top when the innermost frame is not already
    /// it (always for tracepoints: the event is the leaf).
    public func displayFrames(offsets: Bool) -> [String] {
        var f: [String]
        if stackError != nil || frames.isEmpty {
            f = [StackFrames.missing]
        } else {
            f = offsets ? frames : frames.map(StackFrames.nameWithModule)
        }
        if targetIsTracepoint || StackFrames.name(frames.first ?? "") != target {
            f.insert(target, at: 0)
        }
        return f
    }
}

/// One hit in event mode (`kpath trace -K`).
public struct TraceHit: Codable, Sendable, Equatable {
    public var ns: UInt64
    public var target: String
    public var targetIsTracepoint: Bool
    public var tgid: UInt32
    public var tid: UInt32
    public var comm: String
    public var phase: Phase
    public var softirq: Bool
    /// Symbolized, innermost first.
    public var frames: [String]
    @HexAddresses public var addresses: [UInt64]
    public var stackError: Int32?
    /// At a tracepoint: its fields, named from tracefs's format (nil elsewhere).
    public var fields: [TracepointFieldValue]? = nil

    public init(ns: UInt64, target: String, targetIsTracepoint: Bool, tgid: UInt32, tid: UInt32, comm: String,
                phase: Phase, softirq: Bool, frames: [String], addresses: [UInt64], stackError: Int32? = nil) {
        self.ns = ns; self.target = target; self.targetIsTracepoint = targetIsTracepoint; self.tgid = tgid
        self.tid = tid; self.comm = comm; self.phase = phase; self.softirq = softirq; self.frames = frames
        self.addresses = addresses; self.stackError = stackError
    }
}

/// Helpers on symbolized frame strings.
public enum StackFrames {
    /// What a lost stack shows (bcc's wording).
    public static let missing = "[Missed Kernel Stack]"

    /// `tcp_v4_connect+0x5 [mod]` -> `tcp_v4_connect`.
    public static func name(_ frame: String) -> String {
        var s = Substring(frame)
        if let sp = s.firstIndex(of: " ") { s = s[..<sp] }
        if let plus = s.lastIndex(of: "+"), s[s.index(after: plus)...].hasPrefix("0x") { s = s[..<plus] }
        return String(s)
    }

    public static func hex(_ a: UInt64) -> String { "0x" + String(a, radix: 16) }

    public static func parseAddress(_ s: String) -> UInt64 {
        s.hasPrefix("0x") ? UInt64(s.dropFirst(2), radix: 16) ?? 0 : UInt64(s) ?? 0
    }

    /// `veth_xmit+0x20 [veth]` -> `veth_xmit [veth]`.
    public static func nameWithModule(_ frame: String) -> String {
        let n = name(frame)
        if let sp = frame.firstIndex(of: " ") { return n + frame[sp...] }
        return n
    }

    /// Frames that mean "an interrupt runs on top of the task here".
    public static func isInterruptEntry(_ name: String) -> Bool {
        interruptEntries.contains(name) || name.hasPrefix("asm_sysvec_") || name.hasPrefix("sysvec_")
    }
    static let interruptEntries: Set<String> = ["__do_softirq", "handle_softirqs", "do_softirq", "do_softirq.part.0",
                                                "__irq_exit_rcu", "irq_exit_rcu", "asm_common_interrupt", "common_interrupt",
                                                "run_ksoftirqd"]

    /// Frames of tracing machinery above the traced event at a tracepoint
    /// (the stack is taken inside the perf/BPF glue that called the program).
    public static func isTracingGlue(_ name: String) -> Bool {
        glue.contains { name.hasPrefix($0) }
    }
    static let glue = ["perf_trace_", "trace_event_raw_event_", "__traceiter_", "__bpf_trace_", "bpf_trace_run",
                       "perf_tp_event", "perf_trace_run_bpf_submit", "trace_call_bpf", "bpf_get_stackid", "bpf_prog_",
                       "__bpf_prog_run", "kprobe_perf_func", "kprobe_ftrace_handler", "kprobe_dispatcher", "kprobe_multi_link",
                       "fprobe_handler", "__fprobe_handler", "fprobe_entry", "ftrace_regs_caller", "ftrace_caller",
                       "arch_ftrace_ops_list_func", "ftrace_ops_list_func", "__ftrace_ops_list_func", "asm_exc_int3",
                       "exc_int3", "do_int3", "kprobe_int3_handler", "rethook_trampoline_handler", "function_graph_enter",
                       // net/socket.c's noinline wrappers that exist only to fire sock:sock_{send,recv}_length
                       "call_trace_sock_"]
}

/// Kernel addresses in JSON as hex strings: JSON numbers lose precision above
/// 2^53, and kernel addresses are above it.
@propertyWrapper
public struct HexAddresses: Codable, Sendable, Equatable {
    public var wrappedValue: [UInt64]
    public init(wrappedValue: [UInt64]) { self.wrappedValue = wrappedValue }
    public init(from decoder: Decoder) throws {
        wrappedValue = try decoder.singleValueContainer().decode([String].self).map(StackFrames.parseAddress)
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(wrappedValue.map(StackFrames.hex))
    }
}
