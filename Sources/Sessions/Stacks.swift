import Glibc
import KernelInfo
import Probes
import Workload

/// One unique kernel stack at one target, as counted in the kernel: per task,
/// per phase (the syscall the thread was in) and context (task or softirq).
public struct KernelStack: Codable, Sendable, Equatable {
    /// The function (`tcp_v4_connect`) or tracepoint (`net:net_dev_queue`).
    public var target: String
    public var targetIsTracepoint: Bool
    /// Symbolized `name+0xoff` (` [module]` for module code), innermost first.
    public var frames: [String]
    /// The raw return addresses, innermost first (same length as frames).
    public var addresses: [UInt64]
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

    // JSON: the phase by name (`connect`), addresses as hex strings (JSON
    // numbers lose precision above 2^53, and kernel addresses are above it).
    enum CodingKeys: String, CodingKey {
        case target, targetIsTracepoint, frames, addresses, count, firstNs, tgid, tid, comm, phase, softirq, stackError
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        target = try c.decode(String.self, forKey: .target)
        targetIsTracepoint = try c.decode(Bool.self, forKey: .targetIsTracepoint)
        frames = try c.decode([String].self, forKey: .frames)
        addresses = try c.decode([String].self, forKey: .addresses).map(StackFrames.parseAddress)
        count = try c.decode(UInt64.self, forKey: .count)
        firstNs = try c.decode(UInt64.self, forKey: .firstNs)
        tgid = try c.decode(UInt32.self, forKey: .tgid)
        tid = try c.decode(UInt32.self, forKey: .tid)
        comm = try c.decode(String.self, forKey: .comm)
        phase = StackFrames.phase(named: try c.decode(String.self, forKey: .phase))
        softirq = try c.decode(Bool.self, forKey: .softirq)
        stackError = try c.decodeIfPresent(Int32.self, forKey: .stackError)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(target, forKey: .target)
        try c.encode(targetIsTracepoint, forKey: .targetIsTracepoint)
        try c.encode(frames, forKey: .frames)
        try c.encode(addresses.map(StackFrames.hex), forKey: .addresses)
        try c.encode(count, forKey: .count)
        try c.encode(firstNs, forKey: .firstNs)
        try c.encode(tgid, forKey: .tgid)
        try c.encode(tid, forKey: .tid)
        try c.encode(comm, forKey: .comm)
        try c.encode(phase.description, forKey: .phase)
        try c.encode(softirq, forKey: .softirq)
        try c.encodeIfPresent(stackError, forKey: .stackError)
    }

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

    /// A phase from its name (`connect`, `write`...); unknown names are `.other`.
    public static func phase(named s: String) -> Phase {
        Phase.allCases.first { $0.description == s } ?? .other
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

/// Turns what the collector read into symbolized KernelStacks.
public struct StackSymbolizer {
    public let kallsyms: Kallsyms
    public let targets: [TraceTarget]
    /// Drop the tracing machinery's own frames from the top of each stack.
    public var trimGlue = true

    public init(kallsyms: Kallsyms, targets: [TraceTarget]) {
        self.kallsyms = kallsyms
        self.targets = targets
    }

    /// Addresses (innermost first) with the glue on top removed.
    public func trimmed(_ addresses: [UInt64]) -> [UInt64] {
        guard trimGlue else { return addresses }
        var i = 0
        while i < addresses.count, let n = kallsyms.name(addresses[i]), StackFrames.isTracingGlue(n) { i += 1 }
        // Never trim everything: a stack of glue alone is shown as it is.
        return i == addresses.count ? addresses : Array(addresses[i...])
    }

    public func frames(_ addresses: [UInt64]) -> [String] { addresses.map { kallsyms.symbolize($0) } }

    public func target(_ i: Int) -> TraceTarget? { i >= 0 && i < targets.count ? targets[i] : nil }

    public func stack(_ c: CollectedStack) -> KernelStack {
        let t = target(c.target)
        let a = trimmed(c.addresses)
        return KernelStack(target: t?.name ?? "target#\(c.target)", targetIsTracepoint: t?.isTracepoint ?? false,
                           frames: frames(a), addresses: a, count: c.count, firstNs: c.firstNs,
                           tgid: c.tgid, tid: c.tid, comm: c.comm, phase: c.phase, softirq: c.softirq,
                           stackError: c.stackID < 0 ? -c.stackID : nil)
    }

    public func hit(_ h: StackHit) -> TraceHit {
        let t = target(h.target)
        let a = trimmed(h.addresses)
        return TraceHit(ns: h.ns, target: t?.name ?? "target#\(h.target)", targetIsTracepoint: t?.isTracepoint ?? false,
                        tgid: h.tgid, tid: h.tid, comm: h.comm, phase: h.phase, softirq: h.softirq,
                        frames: frames(a), addresses: a, stackError: h.stackID < 0 ? -h.stackID : nil)
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
    public var addresses: [UInt64]
    public var stackError: Int32?

    enum CodingKeys: String, CodingKey {
        case ns, target, targetIsTracepoint, tgid, tid, comm, phase, softirq, frames, addresses, stackError
    }

    public init(ns: UInt64, target: String, targetIsTracepoint: Bool, tgid: UInt32, tid: UInt32, comm: String,
                phase: Phase, softirq: Bool, frames: [String], addresses: [UInt64], stackError: Int32? = nil) {
        self.ns = ns; self.target = target; self.targetIsTracepoint = targetIsTracepoint; self.tgid = tgid
        self.tid = tid; self.comm = comm; self.phase = phase; self.softirq = softirq; self.frames = frames
        self.addresses = addresses; self.stackError = stackError
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        ns = try c.decode(UInt64.self, forKey: .ns)
        target = try c.decode(String.self, forKey: .target)
        targetIsTracepoint = try c.decode(Bool.self, forKey: .targetIsTracepoint)
        tgid = try c.decode(UInt32.self, forKey: .tgid)
        tid = try c.decode(UInt32.self, forKey: .tid)
        comm = try c.decode(String.self, forKey: .comm)
        phase = StackFrames.phase(named: try c.decode(String.self, forKey: .phase))
        softirq = try c.decode(Bool.self, forKey: .softirq)
        frames = try c.decode([String].self, forKey: .frames)
        addresses = try c.decode([String].self, forKey: .addresses).map(StackFrames.parseAddress)
        stackError = try c.decodeIfPresent(Int32.self, forKey: .stackError)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ns, forKey: .ns)
        try c.encode(target, forKey: .target)
        try c.encode(targetIsTracepoint, forKey: .targetIsTracepoint)
        try c.encode(tgid, forKey: .tgid)
        try c.encode(tid, forKey: .tid)
        try c.encode(comm, forKey: .comm)
        try c.encode(phase.description, forKey: .phase)
        try c.encode(softirq, forKey: .softirq)
        try c.encode(frames, forKey: .frames)
        try c.encode(addresses.map(StackFrames.hex), forKey: .addresses)
        try c.encodeIfPresent(stackError, forKey: .stackError)
    }
}

/// Stacks merged for display: the same rendered frames at the same target by
/// the same command (and, per process, the same tgid) are one row.
public struct MergedStack: Codable, Sendable, Equatable {
    public var target: String
    /// Innermost first, as displayed (see KernelStack.displayFrames).
    public var frames: [String]
    public var comm: String
    /// Set when merged per process.
    public var tgid: UInt32?
    public var count: UInt64
    public var firstNs: UInt64
    public var missed: Bool

    public init(target: String, frames: [String], comm: String, tgid: UInt32? = nil, count: UInt64, firstNs: UInt64 = 0, missed: Bool = false) {
        self.target = target; self.frames = frames; self.comm = comm; self.tgid = tgid
        self.count = count; self.firstNs = firstNs; self.missed = missed
    }
}

extension Array where Element == KernelStack {
    /// Merges by (target, displayed frames, comm[, tgid]); most frequent first,
    /// ties broken by first hit.
    public func merged(offsets: Bool, perProcess: Bool = false) -> [MergedStack] {
        var index: [MergeKey: Int] = [:]
        var out: [MergedStack] = []
        for s in self where s.count > 0 {
            let f = s.displayFrames(offsets: offsets)
            let k = MergeKey(target: s.target, frames: f, comm: s.comm, tgid: perProcess ? s.tgid : nil)
            if let i = index[k] {
                out[i].count += s.count
                out[i].firstNs = Swift.min(out[i].firstNs, s.firstNs)
            } else {
                index[k] = out.count
                out.append(MergedStack(target: s.target, frames: f, comm: s.comm, tgid: k.tgid, count: s.count,
                                       firstNs: s.firstNs, missed: s.stackError != nil || s.frames.isEmpty))
            }
        }
        return out.sorted { a, b in
            if a.count != b.count { return a.count > b.count }
            if a.firstNs != b.firstNs { return a.firstNs < b.firstNs }
            return a.frames.lexicographicallyPrecedes(b.frames)
        }
    }

    /// All hits, lost stacks included.
    public var totalCount: UInt64 { reduce(0) { $0 + $1.count } }
}

private struct MergeKey: Hashable { var target: String; var frames: [String]; var comm: String; var tgid: UInt32? }

/// Folded stacks, one `frame;frame;... count` line per stack, outermost frame
/// first: the input of flamegraph.pl, inferno and speedscope. kpath writes
/// `comm;outermost;...;innermost count`.
public struct FoldedStacks: Equatable, Sendable {
    public struct Line: Equatable, Sendable {
        /// Outermost first (the first is the command name in kpath's output).
        public var frames: [String]
        public var count: UInt64
        public init(frames: [String], count: UInt64) { self.frames = frames; self.count = count }
    }

    public var lines: [Line]

    public init(lines: [Line]) { self.lines = lines }

    /// From merged stacks: `comm` (or `comm [tgid]` per process) first, then the frames outermost first.
    public init(_ stacks: [MergedStack]) {
        lines = stacks.map { s in
            let root = s.tgid.map { "\(s.comm) [\($0)]" } ?? s.comm
            return Line(frames: [Self.clean(root)] + s.frames.reversed().map(Self.clean), count: s.count)
        }
    }

    /// From kernel stacks: merged without offsets (what flame graphs want).
    public init(stacks: [KernelStack], offsets: Bool = false, perProcess: Bool = false) {
        self.init(stacks.merged(offsets: offsets, perProcess: perProcess))
    }

    /// A frame or command name made safe for the format: no `;`, no line breaks.
    public static func clean(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case ";": out.append(":")
            case "\n", "\r", "\t": out.append(" ")
            default: out.append(ch)
            }
        }
        return out.isEmpty ? "[unknown]" : out
    }

    public func render() -> String {
        lines.map { $0.frames.joined(separator: ";") + " " + String($0.count) + "\n" }.joined()
    }

    /// Parses folded text; blank lines are skipped, anything else must be
    /// `frames count` with an integer count after the last space.
    public static func parse(_ text: String) throws -> FoldedStacks {
        var out: [Line] = []
        // \r\n is one Character in Swift: split on any line break.
        for (n, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0.isNewline }).enumerated() {
            let line = Substring(raw)
            if line.allSatisfy({ $0 == " " }) { continue }
            guard let sp = line.lastIndex(of: " ") else {
                throw FoldedStacksError(line: n + 1, text: String(line), reason: "no count after the stack")
            }
            let countText = line[line.index(after: sp)...]
            guard let count = UInt64(countText) else {
                throw FoldedStacksError(line: n + 1, text: String(line), reason: "count \"\(countText)\" is not a whole number")
            }
            let stack = line[..<sp]
            guard !stack.isEmpty else {
                throw FoldedStacksError(line: n + 1, text: String(line), reason: "empty stack")
            }
            out.append(Line(frames: stack.split(separator: ";", omittingEmptySubsequences: false).map(String.init), count: count))
        }
        return FoldedStacks(lines: out)
    }

    public var total: UInt64 { lines.reduce(0) { $0 + $1.count } }

    /// Count per whole stack (`a;b;c`), identical lines summed.
    public var counts: [String: UInt64] {
        var out: [String: UInt64] = [:]
        for l in lines { out[l.frames.joined(separator: ";"), default: 0] += l.count }
        return out
    }
}

public struct FoldedStacksError: Error, CustomStringConvertible, Sendable {
    public var line: Int
    public var text: String
    public var reason: String
    public var description: String { "folded stacks, line \(line): \(reason): \(text.prefix(80))" }
}

/// What a stacks run produced (`kpath stacks --json`).
public struct StacksResult: Codable, Sendable {
    public var kernel: String
    /// The function backend, nil when every target is a tracepoint.
    public var backend: Backend?
    public var targets: [String]
    public var attachedTargets: Int
    public var skipped: [SkippedFunction]
    /// Unmerged: one per (target, stack, task, phase, context), most frequent first.
    public var stacks: [KernelStack]
    public var lost: StackLosses
}

/// `kpath stacks` and `kpath trace`: resolve targets, start the held command
/// (if any), attach the stack program to every target, release the command;
/// then read counted stacks (or hits, in event mode), symbolized.
public final class StacksSession {
    public let features: KernelFeatures
    public let targets: [TraceTarget]
    public let kallsyms: Kallsyms
    public let tracker: Tracker
    public let collector: StackCollector
    public let symbolizer: StackSymbolizer
    public let child: HeldProcess?

    public struct Options {
        /// `tcp_v4_connect`, `'tcp_*'`, `p::tcp_v4_connect`, `t:net:net_dev_queue`.
        public var targets: [String]
        public var pid: Int32?
        public var command: [String] = []
        public var commandOutput: HeldProcess.Output = .inherit
        /// With `.inherit`: the command's stdout goes to kpath's stderr, so that
        /// kpath's stdout holds the report alone (`--folded > out.folded`).
        public var commandStdoutToStderr = true
        public var backend: Backend?
        /// Event mode: every hit through the ring buffer (`trace -K`).
        public var events = false
        /// Keep the tracing machinery's frames on top of each stack.
        public var keepGlue = false
        public var collector = StackCollector.Options()
        public init(targets: [String]) { self.targets = targets }
    }

    public init(_ o: Options) throws {
        // Syntax first: a typo is reported before anything else is asked of the kernel.
        let specs = try TraceTargets.parse(o.targets)
        features = KernelFeatures.detect()
        try Preflight.requirePrivileges(features)
        if let p = o.pid { try Preflight.requireProcess(p) }
        // Tracepoints are checked before the backend, so that `t:` typos are named
        // even where kprobes are unavailable.
        for s in specs where s.isTracepoint { _ = try s.tracepoints() }
        var backend: Backend? = nil
        if specs.contains(where: { !$0.isTracepoint }) {
            backend = try Self.functionBackend(forced: o.backend, features: features)
        }
        let ks = try Kallsyms.load()
        kallsyms = ks
        let resolved = try TraceTargets.resolve(specs, catalog: { try FunctionCatalog.load(kallsyms: ks) })
        // Resolve the command before anything is attached: a typo costs nothing.
        var held: HeldProcess? = nil
        if let exe = o.command.first {
            let path = try HeldProcess.resolveExecutable(exe)
            held = try Self.spawn(path, Array(o.command.dropFirst()), output: o.commandOutput, toStderr: o.commandStdoutToStderr)
        }
        child = held
        tracker = try Tracker()
        try tracker.follow(commandPID: held?.pid, pid: o.pid)
        try tracker.attachPhases()
        var co = o.collector
        co.events = o.events
        collector = try StackCollector(targets: resolved, backend: backend, tracker: tracker, options: co)
        targets = collector.targets
        var sym = StackSymbolizer(kallsyms: ks, targets: collector.targets)
        sym.trimGlue = !o.keepGlue
        symbolizer = sym
    }

    /// Starts the command held; with `toStderr`, its stdout is a copy of our
    /// stderr (fd 1 is pointed at stderr around the spawn, then restored).
    static func spawn(_ path: String, _ args: [String], output: HeldProcess.Output, toStderr: Bool) throws -> HeldProcess {
        guard toStderr, output == .inherit else {
            return try HeldProcess(executable: path, arguments: args, role: "command", output: output)
        }
        fflush(stdout)
        let saved = fcntl(1, F_DUPFD_CLOEXEC, 0)  // not inherited by the child
        guard saved >= 0, dup2(2, 1) >= 0 else {
            if saved >= 0 { close(saved) }
            return try HeldProcess(executable: path, arguments: args, role: "command", output: output)
        }
        defer {
            dup2(saved, 1)
            close(saved)
        }
        return try HeldProcess(executable: path, arguments: args, role: "command", output: .inherit)
    }

    /// kprobe-multi or kprobe (stacks have no fentry program): the forced one, else the best available.
    static func functionBackend(forced: Backend?, features: KernelFeatures) throws -> Backend {
        if let f = forced, f == .fentry || f == .tracepoint {
            throw ProbeError.backendUnavailable(f, reason: "kernel stacks at functions are taken through kprobes; use kprobe-multi or kprobe")
        }
        if let f = forced { return try Preflight.functionBackend(forced: f, features: features) }
        let support = BackendSupport.detect(features: features, probeFentry: false)
        if support.kprobeMulti { return .kprobeMulti }
        if support.kprobe { return .kprobe }
        throw ProbeError.kprobesUnavailable(reason: features.kprobesUnavailableReason
            ?? support.reasons[Backend.kprobe.rawValue] ?? "kprobes are not available")
    }

    /// Lets the held command run (after "Tracing..." is printed).
    public func releaseCommand() throws { try child?.release() }

    /// How many targets are attached (functions that refused are not).
    public var attachedCount: Int { collector.attachedTargets.count }

    /// Every counted stack, symbolized, most frequent first.
    public func stacks() throws -> [KernelStack] {
        try collector.samples().map(symbolizer.stack).sorted { a, b in
            a.count != b.count ? a.count > b.count : a.firstNs < b.firstNs
        }
    }

    /// Event mode: hits that arrive within `timeoutMs`, symbolized, in order.
    public func hits(timeoutMs: Int32) -> [TraceHit] {
        collector.poll(timeoutMs: timeoutMs).map(symbolizer.hit)
    }

    /// Event mode: hits already in the ring buffer.
    public func drainHits() -> [TraceHit] { collector.drain().map(symbolizer.hit) }

    public func losses() -> StackLosses { collector.losses() }

    public func result() throws -> StacksResult {
        StacksResult(kernel: features.release, backend: collector.backend, targets: targets.map(\.name),
                     attachedTargets: attachedCount, skipped: collector.functionReport?.skipped ?? [],
                     stacks: try stacks(), lost: losses())
    }

    /// Detaches everything; returns seconds taken.
    @discardableResult
    public func stop() -> Double {
        let t = collector.detach()
        tracker.detach()
        return t
    }
}
