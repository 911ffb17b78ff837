import KernelInfo
import Probes
import Workload

/// What funccount's command loop asks of a counting session, whether it
/// counts kernel functions (FunccountSession) or tracepoints (TracepointCountSession).
public protocol CountingSession: AnyObject {
    var child: HeldProcess? { get }
    var tracker: Tracker { get }
    /// "Tracing N functions ..." / "Tracing N tracepoints ...": what is attached.
    var tracingLine: String { get }
    /// What refused to attach, one line each.
    var skippedLines: [String] { get }
    func releaseCommand() throws
    /// Non-zero counts, ascending (funccount's order: hottest last).
    func counts() throws -> [FunctionCount]
    /// Zeroes the counts (-i intervals).
    func reset() throws
    func result() throws -> FunccountResult
    /// What full maps cost (and, for function counts, hits kpath could not name).
    func losses() -> StackLosses
    @discardableResult func stop() -> Double
}

extension CountingSession {
    public func losses() -> StackLosses { tracker.losses() }
}

extension FunccountSession: CountingSession {
    public var tracingLine: String {
        "Tracing \(counter.report.attachedCount) functions for \"\(patterns.joined(separator: ","))\"... Hit Ctrl-C to end."
    }
    public var skippedLines: [String] { [] }  // the command prints the function report itself
    public func reset() throws { try counter.reset() }
}

/// `kpath funccount 't:net:*'`: counts tracepoint hits as bcc's funccount
/// does, one row per tracepoint named `category:event`.
public final class TracepointCountSession: CountingSession {
    public let features: KernelFeatures
    public let patterns: [String]
    public let tracepoints: [TraceTarget]
    public let tracker: Tracker
    public let counter: TracepointCounter
    public let child: HeldProcess?

    public struct Options {
        /// `t:net:*`, `tracepoint:sched:sched_switch` (globs in either part).
        public var patterns: [String]
        public var pid: Int32?
        public var command: [String] = []
        public var filter = TaskFilter()
        public init(patterns: [String]) { self.patterns = patterns }
    }

    /// The tracepoints the patterns name, deduplicated, in the user's order
    /// (an unknown one is ProbeError.unknownTracepoint). For --list as well.
    public static func resolve(_ patterns: [String]) throws -> [TraceTarget] {
        var seen = Set<TraceTarget>(), out: [TraceTarget] = []
        for p in splitPatterns(patterns) {
            for t in try TargetSpec.parse(p).tracepoints() where seen.insert(t).inserted { out.append(t) }
        }
        return out
    }

    public init(_ o: Options) throws {
        let start = try CountingStart(pid: o.pid, command: o.command, filter: o.filter) { _ in try Self.resolve(o.patterns) }
        features = start.features
        patterns = splitPatterns(o.patterns)
        tracepoints = start.targets
        child = start.child
        tracker = start.tracker
        counter = try TracepointCounter(tracepoints: tracepoints, tracker: tracker, onlyProcess: child == nil ? o.pid : nil)
    }

    public var tracingLine: String {
        "Tracing \(counter.attached.count) tracepoints for \"\(patterns.joined(separator: ","))\"... Hit Ctrl-C to end."
    }

    public var skippedLines: [String] {
        guard !counter.skipped.isEmpty else { return [] }
        let first = counter.skipped[0]
        return ["kpath: \(counter.skipped.count) tracepoints not attached (first: \(first.function): \(first.reason))"]
    }

    public func releaseCommand() throws { try child?.release() }

    public func counts() throws -> [FunctionCount] { FunctionCount.table(tracepoints.map(\.name), try counter.totals()) }

    public func reset() throws { try counter.reset() }

    public func result() throws -> FunccountResult {
        FunccountResult(AttachSummary(kernel: features.release, backend: .tracepoint, patterns: patterns,
                                      attached: counter.attached.count, skipped: counter.skipped, attachSeconds: counter.seconds),
                        FunctionCounts(counts: try counts(), lost: tracker.losses()))
    }

    @discardableResult
    public func stop() -> Double { tracker.detach(after: counter.detach) }
}

extension FunctionCount {
    /// funccount's rows: the non-zero totals by name, ascending (hottest last; ties by name).
    static func table(_ names: [String], _ totals: [UInt64]) -> [FunctionCount] {
        zip(names, totals).filter { $0.1 > 0 }.map { FunctionCount(function: $0.0, count: $0.1) }
            .sorted { ($0.count, $0.function) < ($1.count, $1.function) }
    }
}

/// The start-up funccount's two sessions share: privileges and the -p
/// process checked, the task filter checked, then `targets` resolved (the
/// functions or tracepoints the patterns name), then the command started held
/// (resolved before anything is attached: a typo costs nothing) and the
/// tracker following it (or -p PID) with the task filter set.
struct CountingStart<Targets> {
    let features: KernelFeatures
    let targets: Targets
    let child: HeldProcess?
    let tracker: Tracker

    init(pid: Int32?, command: [String], filter: TaskFilter, output: HeldProcess.Output = .inherit,
         targets resolve: (KernelFeatures) throws -> Targets) throws {
        features = KernelFeatures.detect()
        try Preflight.requirePrivileges(features)
        if let p = pid { try Preflight.requireProcess(p) }
        try filter.check()
        targets = try resolve(features)
        var held: HeldProcess? = nil
        if let exe = command.first {
            let path = try HeldProcess.resolveExecutable(exe)
            held = try HeldProcess(executable: path, arguments: Array(command.dropFirst()), role: "command", output: output)
        }
        child = held
        tracker = try Tracker(phases: false)
        try tracker.follow(commandPID: held?.pid, pid: pid)
        try tracker.setTaskFilter(filter)
    }
}

extension Tracker {
    /// Detaches a counter, then the tracker; the counter's detach seconds.
    func detach(after counterDetach: () -> Double) -> Double {
        let t = counterDetach()
        detach()
        return t
    }
}
