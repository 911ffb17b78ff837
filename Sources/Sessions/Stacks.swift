import Glibc
import KernelInfo
import Probes
import Workload

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
    /// Event mode: each tracepoint target's format (by target index), to name fields.
    public private(set) var formats: [Int: TracepointFormat] = [:]

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
        /// --tid, --comm, -c (filtered in the kernel: TaskFilter).
        public var filter = TaskFilter()
        public var collector = StackCollector.Options()
        public init(targets: [String]) { self.targets = targets }
    }

    public init(_ o: Options) throws {
        // Syntax first: a typo is reported before anything else is asked of the kernel.
        let specs = try TraceTargets.parse(o.targets)
        features = KernelFeatures.detect()
        try Preflight.requirePrivileges(features)
        if let p = o.pid { try Preflight.requireProcess(p) }
        try o.filter.check()
        // Tracepoints are checked before the backend, so that `t:` typos are named
        // even where kprobes are unavailable.
        for s in specs where s.isTracepoint { _ = try s.tracepoints() }
        var backend: Backend? = nil
        if specs.contains(where: { !$0.isTracepoint }) {
            backend = try Backend.choose(forced: o.backend, for: .stacks, features: features)
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
        try tracker.setTaskFilter(o.filter)
        try tracker.attachPhases()
        var co = o.collector
        co.events = o.events
        collector = try StackCollector(targets: resolved, backend: backend, tracker: tracker, options: co)
        targets = collector.targets
        if o.events {
            for (i, t) in collector.targets.enumerated() {
                if case .tracepoint(let c, let e) = t { formats[i] = Tracefs.format(category: c, event: e) }
            }
        }
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
        collector.poll(timeoutMs: timeoutMs).map(traceHit)
    }

    /// A hit symbolized, with its tracepoint fields named.
    func traceHit(_ h: StackHit) -> TraceHit {
        var t = symbolizer.hit(h)
        if !h.record.isEmpty, let f = formats[h.target] { t.fields = f.decode(h.record) }
        return t
    }

    /// Event mode: hits already in the ring buffer.
    public func drainHits() -> [TraceHit] { collector.drain().map(traceHit) }

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
