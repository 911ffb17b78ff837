import Glibc
import KernelInfo
import Probes
import Workload

/// One function's hits, as funccount prints them.
public struct FunctionCount: Codable, Sendable, Equatable {
    public var function: String
    public var count: UInt64
    public init(function: String, count: UInt64) { self.function = function; self.count = count }
}

public typealias FunccountResult = Attached<FunctionCounts>

public struct FunctionCounts: Codable, Sendable {
    public var counts: [FunctionCount]
    /// Counts are per-CPU u64 slots (an array, or a hash sized for every
    /// function: neither fills up); the one possible loss is a child of the
    /// command that could not be tracked.
    public var lost: StackLosses
}

/// `kpath funccount`: match functions, start the held command (if any), attach
/// one counting program to every function, release the command.
public final class FunccountSession {
    public let features: KernelFeatures
    public let functions: [String]
    public let patterns: [String]
    public let tracker: Tracker
    public let counter: FunctionCounter
    public let child: HeldProcess?

    public struct Options {
        public var patterns: [String]
        public var regex = false
        public var pid: Int32?
        public var command: [String] = []
        public var backend: Backend?
        /// --tid, --comm, -c (filtered in the kernel: TaskFilter).
        public var filter = TaskFilter()
        /// Where the command's output goes (the tour keeps it off its report).
        public var commandOutput: HeldProcess.Output = .inherit
        public init(patterns: [String]) { self.patterns = patterns }
    }

    public init(_ o: Options) throws {
        Timing.mark("funccount session starts")
        let start = try CountingStart(pid: o.pid, command: o.command, filter: o.filter, output: o.commandOutput) { features in
            Timing.mark("kernel features read")
            let backend = try Backend.choose(forced: o.backend, for: .entries, features: features)
            Timing.mark("backend chosen: \(backend.rawValue)")
            let patterns = try FunctionPatterns.parse(o.patterns, regex: o.regex)
            // /proc/kallsyms (170k lines: over a second under emulation) only where it is needed:
            // fentry keys its counters by address. The catalog reads it itself when
            // available_filter_functions is missing.
            let kallsyms: Kallsyms? = try backend == .fentry ? Kallsyms.load() : nil
            let functions = try FunctionCatalog.matching(patterns, regex: o.regex, kallsyms: kallsyms)
            Timing.mark("\(functions.count) functions matched")
            return (backend, patterns, kallsyms, functions)
        }
        let (backend, patterns, kallsyms, functions) = start.targets
        Timing.mark("tracker (phases object) loaded")
        features = start.features
        self.patterns = patterns
        self.functions = functions
        child = start.child
        tracker = start.tracker
        counter = try FunctionCounter(functions: functions, backend: backend, tracker: tracker, kallsyms: kallsyms,
                                      onlyProcess: child == nil ? o.pid : nil, split: false)
        Timing.mark("funccount object loaded, \(counter.report.attachedCount) attached in \(cFormat("%.3f", counter.report.seconds)) s")
        if counter.report.attached.isEmpty {
            throw ProbeError.nothingAttached(counter.report.skippedSummary ?? "every function refused")
        }
    }

    /// Lets the held command run (after "Tracing..." is printed).
    public func releaseCommand() throws { try child?.release() }

    /// Non-zero counts, ascending (funccount's order: hottest last).
    public func counts() throws -> [FunctionCount] {
        FunctionCount.table(functions, try counter.totals())
    }

    public func result() throws -> FunccountResult {
        FunccountResult(AttachSummary(kernel: features.release, patterns: patterns, report: counter.report),
                        FunctionCounts(counts: try counts(), lost: losses()))
    }

    /// What full maps cost, and hits at addresses kpath could not name (after a read of the counts).
    public func losses() -> StackLosses {
        var l = tracker.losses()
        l.unnamed = counter.unnamedHits
        return l
    }

    @discardableResult
    public func stop() -> Double { tracker.detach(after: counter.detach) }
}
