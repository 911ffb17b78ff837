import Probes

/// One traced function call inside a syscall.
public struct CallNode: Codable, Sendable, Equatable {
    public var function: String
    /// ns since the syscall entered
    public var startNs: UInt64
    /// nil when its return never came (an entry without return)
    public var durationNs: UInt64?
    public var ret: Int64?
    /// Interrupt work (softirq, hardirq, NMI) that ran on top of the thread,
    /// not a call the thread made: the loopback peer's receive, a timer.
    public var irq: Bool
    public var children: [CallNode]

    public init(function: String, startNs: UInt64, durationNs: UInt64?, ret: Int64? = nil, irq: Bool = false, children: [CallNode] = []) {
        self.function = function; self.startNs = startNs; self.durationNs = durationNs
        self.ret = ret; self.irq = irq; self.children = children
    }

    /// This call and every call below it.
    public var callCount: Int { 1 + children.reduce(0) { $0 + $1.callCount } }
}

/// One syscall of one thread with the calls it made.
public struct SyscallTree: Codable, Sendable, Equatable {
    public var tgid: Int32
    public var tid: Int32
    public var nr: Int
    public var name: String
    public var startNs: UInt64
    /// nil when the syscall's exit was not seen (still running at the end, or lost)
    public var durationNs: UInt64?
    public var ret: Int64?
    public var calls: [CallNode]
    /// Records of this thread lost while it was in this syscall: the tree is incomplete.
    public var lost: Int
    /// Where the syscall's error came from, when it failed.
    public var errorOrigin: ErrorOrigin?

    public var callCount: Int { calls.reduce(0) { $0 + $1.callCount } }
}

/// What could not be placed in a tree; counted, never dropped silently.
public struct CallGraphAnomalies: Codable, Sendable, Equatable {
    /// Entries whose return never came (closed when their syscall or an outer call returned).
    public var entriesWithoutReturn = 0
    /// Returns with no matching entry (the call began before tracing, or its entry was lost).
    public var returnsWithoutEntry = 0
    /// Function records outside any syscall of the thread (its enter record was lost).
    public var outsideSyscall = 0
    /// Syscalls whose exit was not seen.
    public var unfinishedSyscalls = 0
    /// Records lost in the ring buffer, as the threads' next records reported them.
    public var lostRecords = 0
    /// Calls shorter than the sum of their children (should stay 0: records out of order).
    public var childrenLongerThanParent = 0
    public init() {}
}

/// Builds call trees from graph.bpf.c's records, one thread at a time. Pure:
/// it sees only the records, in the order one thread produced them (the ring
/// buffer keeps each thread's order; threads may interleave).
public struct CallGraphBuilder {
    public let functions: [String]
    let syscallName: (Int) -> String
    public private(set) var trees: [SyscallTree] = []
    public private(set) var anomalies = CallGraphAnomalies()

    private struct Frame {
        var node: CallNode
        var index: Int?
        var entryTs: UInt64
    }
    /// A class: records mutate the open tree in place (a struct copied out
    /// of the dictionary and back would copy the tree on every record).
    private final class Open {
        var tree: SyscallTree
        var stack: [Frame] = []
        init(tree: SyscallTree) { self.tree = tree }
    }
    private var open: [Int32: Open] = [:]

    public init(functions: [String], syscallName: @escaping (Int) -> String) {
        self.functions = functions
        self.syscallName = syscallName
    }

    public mutating func add(_ e: CallEvent) {
        if e.lostBefore > 0 {
            anomalies.lostRecords += e.lostBefore
            open[e.tid]?.tree.lost += e.lostBefore
        }
        switch e.kind {
        case .syscallEnter:
            if open[e.tid] != nil { close(e.tid, exit: nil) }
            open[e.tid] = Open(tree: SyscallTree(tgid: e.tgid, tid: e.tid, nr: e.nr, name: syscallName(e.nr), startNs: e.ts,
                                                 durationNs: nil, ret: nil, calls: [], lost: 0, errorOrigin: nil))
        case .syscallExit:
            // An exit without its enter: the syscall began before tracing; nothing to show.
            if open[e.tid] != nil { close(e.tid, exit: e) }
        case .entry:
            guard let o = open[e.tid] else { anomalies.outsideSyscall += 1; return }
            let name = e.function.map { $0 < functions.count ? functions[$0] : "function#\($0)" } ?? "?"
            o.stack.append(Frame(node: CallNode(function: name, startNs: e.ts &- o.tree.startNs, durationNs: nil, irq: e.irq),
                                 index: e.function, entryTs: e.ts))
        case .return:
            guard let o = open[e.tid] else { anomalies.outsideSyscall += 1; return }
            // The innermost open call of this function in the same context; a
            // return naming no function (kretprobe without cookies) takes the top.
            let match = e.function == nil ? (o.stack.isEmpty ? nil : o.stack.count - 1)
                : o.stack.lastIndex { $0.index == e.function && $0.node.irq == e.irq }
            guard let m = match else {
                anomalies.returnsWithoutEntry += 1
                return
            }
            while o.stack.count > m + 1 { pop(o, returnTs: nil, ret: nil) }
            pop(o, returnTs: e.ts, ret: e.ret)
        }
    }

    /// Closes the top frame and hangs it under its parent (or the syscall).
    private mutating func pop(_ o: Open, returnTs: UInt64?, ret: Int64?) {
        var f = o.stack.removeLast()
        if let t = returnTs {
            f.node.durationNs = t >= f.entryTs ? t - f.entryTs : 0
            f.node.ret = ret.map(Self.errnoWidened)
            let inner = f.node.children.reduce(UInt64(0)) { $0 + ($1.durationNs ?? 0) }
            if inner > f.node.durationNs! { anomalies.childrenLongerThanParent += 1 }
        } else {
            anomalies.entriesWithoutReturn += 1
        }
        if o.stack.isEmpty { o.tree.calls.append(f.node) } else { o.stack[o.stack.count - 1].node.children.append(f.node) }
    }

    private mutating func close(_ tid: Int32, exit: CallEvent?) {
        guard let o = open.removeValue(forKey: tid) else { return }
        while !o.stack.isEmpty { pop(o, returnTs: nil, ret: nil) }
        if let x = exit {
            o.tree.durationNs = x.ts >= o.tree.startNs ? x.ts - o.tree.startNs : 0
            o.tree.ret = x.ret
            o.tree.errorOrigin = ErrorOrigin.find(in: o.tree)
        } else {
            anomalies.unfinishedSyscalls += 1
        }
        trees.append(o.tree)
    }

    /// An `int` function returning -ECONNREFUSED leaves 0xffffff91 in rax
    /// (upper half zero): read such values as the negative int they are.
    static func errnoWidened(_ raw: Int64) -> Int64 {
        guard raw >> 32 == 0 else { return raw }
        let low = Int32(truncatingIfNeeded: raw)
        return low < 0 && low >= -4095 ? Int64(low) : raw
    }

    /// Closes what is still open (syscalls that never exited) and returns everything.
    public mutating func finish() -> CallGraph {
        for tid in open.keys.sorted() { close(tid, exit: nil) }
        trees.sort { ($0.startNs, $0.tid) < ($1.startNs, $1.tid) }
        return CallGraph(functions: functions, trees: trees, anomalies: anomalies)
    }
}

/// Every syscall tree of a run, with what could not be placed.
public struct CallGraph: Codable, Sendable {
    public var functions: [String]
    public var trees: [SyscallTree]
    public var anomalies: CallGraphAnomalies

    public static func build(_ events: [CallEvent], functions: [String], syscallName: @escaping (Int) -> String) -> CallGraph {
        var b = CallGraphBuilder(functions: functions, syscallName: syscallName)
        for e in events { b.add(e) }
        return b.finish()
    }
}

/// Where a failing syscall's error came from (retsnoop's question): the chain
/// of the thread's own calls that returned that error, outermost first. The
/// last is the innermost; when none of its traced callees returned the error
/// it made the error itself (or read it from state set elsewhere, e.g. a
/// socket error that interrupt work stored: TCP's refused connect on loopback).
public struct ErrorOrigin: Codable, Sendable, Equatable {
    public var error: Int64
    public var chain: [String]
    public var innermost: String { chain.last ?? "" }
    /// Interrupt work inside the syscall, by function, for the reader to see
    /// where state could have been set (e.g. tcp_reset in the RST's softirq).
    public var interruptFunctions: [String]
    /// What the innermost called (its direct callees, the thread's own), in order.
    public var innermostCallees: [String] = []

    static func find(in tree: SyscallTree) -> ErrorOrigin? {
        guard let r = tree.ret, r < 0, r >= -4095 else { return nil }
        var chain: [String] = []
        var level = tree.calls
        while let hit = level.last(where: { !$0.irq && $0.ret == r }) {
            chain.append(hit.function)
            level = hit.children
        }
        guard !chain.isEmpty else { return nil }
        var callees: [String] = []
        for n in level where !n.irq && !callees.contains(n.function) { callees.append(n.function) }
        var irqNames: [String] = []
        func walk(_ nodes: [CallNode], inIrq: Bool) {
            for n in nodes {
                let i = inIrq || n.irq
                if i && !irqNames.contains(n.function) { irqNames.append(n.function) }
                walk(n.children, inIrq: i)
            }
        }
        walk(tree.calls, inIrq: false)
        return ErrorOrigin(error: r, chain: chain, interruptFunctions: irqNames, innermostCallees: callees)
    }
}
