import Glibc
import KernelInfo
import Sessions

/// `kpath graph` as text, in ftrace function_graph's layout: `fn() {` ...
/// `} /* fn */` with the time at the closing brace, leaf calls on one line,
/// interrupt work between `==========>` and `<==========`.
public enum GraphReport {
    public struct Pruning: Sendable {
        /// Levels of calls shown below the syscall (nil: all).
        public var depth: Int?
        /// Calls shorter than this (ns; the median when merged) are hidden.
        public var minTimeNs: UInt64?
        public init(depth: Int? = nil, minTimeNs: UInt64? = nil) { self.depth = depth; self.minTimeNs = minTimeNs }
    }

    public static func render(_ r: GraphResult, pruning: Pruning = Pruning()) -> String {
        var out = ""
        if let merged = r.merged {
            for m in merged { out += renderMerged(m, pruning: pruning) + "\n" }
        } else {
            for t in r.trees { out += renderTree(t, pruning: pruning) + "\n" }
        }
        if r.trees.isEmpty { out += "no traced syscall ran any of the \(r.attached) traced functions\n" }
        return out
    }

    /// The one-line summary (stderr): what was seen and what could not be placed.
    public static func summary(_ r: GraphResult) -> String {
        let a = r.anomalies
        let calls = r.trees.reduce(0) { $0 + $1.callCount }
        return "graph: \(calls) calls in \(r.trees.count) syscalls (\(r.emptySyscalls) more ran no traced function); "
            + "\(a.entriesWithoutReturn) entries without return, \(a.returnsWithoutEntry) returns without entry, "
            + "\(a.outsideSyscall) outside syscalls, \(a.unfinishedSyscalls) unfinished syscalls, "
            + "\(a.childrenLongerThanParent) calls shorter than their children, \(a.lostRecords) records lost"
    }

    // MARK: one syscall

    public static func renderTree(_ t: SyscallTree, pruning: Pruning) -> String {
        var s = "\(t.name)() = \(retText(t.ret)) <\(t.durationNs.map { cFormat("%.6f", Double($0) / 1e9) } ?? "?")>  tid \(t.tid)"
        if t.lost > 0 { s += "  (\(t.lost) records lost: this tree is incomplete)" }
        s += "\n" + leftPad("DURATION", 12) + "  |  FUNCTION CALLS\n"
        var lines: [String] = []
        renderNodes(t.calls, level: 1, parentIrq: false, pruning: pruning, into: &lines)
        s += lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")
        if let o = t.errorOrigin { s += errorText(o, count: nil) }
        return s
    }

    static func renderNodes(_ nodes: [CallNode], level: Int, parentIrq: Bool, pruning: Pruning, into lines: inout [String]) {
        var hidden = 0
        var inIrq = false
        for n in nodes {
            if let min = pruning.minTimeNs, let d = n.durationNs, d < min { hidden += n.callCount; continue }
            inIrq = interruptMark(n.irq, parentIrq: parentIrq, inIrq: inIrq, prefix: blank + indent(level), into: &lines)
            let time = n.durationNs.map(duration) ?? "no return"
            let tail = retComment(n.ret)
            if n.children.isEmpty {
                lines.append(col(time) + indent(level) + "\(n.function)();" + tail)
            } else if let d = pruning.depth, level >= d {
                lines.append(col(time) + indent(level) + "\(n.function)() { ... \(calls(n.callCount - 1)) hidden }" + tail)
            } else if let min = pruning.minTimeNs, n.children.allSatisfy({ ($0.durationNs ?? .max) < min }) {
                lines.append(col(time) + indent(level) + "\(n.function)() { ... \(calls(n.callCount - 1)) hidden (under \(duration(min))) }" + tail)
            } else {
                lines.append(blank + indent(level) + "\(n.function)() {")
                renderNodes(n.children, level: level + 1, parentIrq: n.irq || parentIrq, pruning: pruning, into: &lines)
                let err = n.ret.flatMap { r in r < 0 && r >= -4095 ? " = " + retText(r) : nil } ?? ""
                lines.append(col(time) + indent(level) + "} /* \(n.function)\(err) */")
            }
        }
        if inIrq { lines.append(blank + indent(level) + "<==========") }
        if hidden > 0, let min = pruning.minTimeNs {
            lines.append(blank + indent(level) + "... \(calls(hidden)) hidden (under \(duration(min)))")
        }
    }

    // MARK: merged

    public static func renderMerged(_ m: MergedSyscall, pruning: Pruning) -> String {
        let rets = m.returns.sorted { $0.value > $1.value }.map { "\(retText(Int64($0.key))) x\($0.value)" }.joined(separator: ", ")
        var s = "\(m.name)(): \(m.count) calls, median \(m.medianNs.map(duration) ?? "?"), p90 \(m.p90Ns.map(duration) ?? "?"); returned \(rets)"
        if m.lost > 0 { s += "; \(m.lost) records lost (trees incomplete)" }
        s += "\n" + leftPad("CALLS/SYS", 9) + leftPad("MEDIAN", 12) + leftPad("P90", 12) + "  |  FUNCTION CALLS\n"
        var lines: [String] = []
        renderMergedNodes(m.calls, level: 1, parentIrq: false, pruning: pruning, syscalls: m.count, into: &lines)
        s += lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")
        for o in m.errorOrigins { s += errorText(o.origin, count: o.count) }
        return s
    }

    static func renderMergedNodes(_ nodes: [MergedNode], level: Int, parentIrq: Bool, pruning: Pruning, syscalls: Int, into lines: inout [String]) {
        /// hidden calls per syscall: "91.00 calls/syscall"
        func perSyscall(_ n: Int) -> String { cFormat("%.2f calls/syscall", Double(n) / Double(max(1, syscalls))) }
        var hidden = 0
        var inIrq = false
        let mblank = String(repeating: " ", count: 33) + "  |  "
        for n in nodes {
            if let min = pruning.minTimeNs, let d = n.medianNs, d < min { hidden += n.totalCalls; continue }
            inIrq = interruptMark(n.irq, parentIrq: parentIrq, inIrq: inIrq, prefix: mblank + indent(level), into: &lines)
            let cols = leftPad(cFormat("%.2f", n.perSyscall), 9) + leftPad(n.medianNs.map(duration) ?? "-", 12)
                + leftPad(n.p90Ns.map(duration) ?? "-", 12) + "  |  "
            var tail = n.errors.sorted { $0.value > $1.value }.map { "= \(retText(Int64($0.key))) x\($0.value)" }.joined(separator: ", ")
            if n.unreturned > 0 { tail += (tail.isEmpty ? "" : ", ") + "\(n.unreturned) without return" }
            if n.children.isEmpty {
                lines.append(cols + indent(level) + "\(n.function)();" + (tail.isEmpty ? "" : " /* \(tail) */"))
            } else if let d = pruning.depth, level >= d {
                lines.append(cols + indent(level) + "\(n.function)() { ... \(perSyscall(n.totalCalls - n.calls)) hidden }" + (tail.isEmpty ? "" : " /* \(tail) */"))
            } else if let min = pruning.minTimeNs, n.children.allSatisfy({ ($0.medianNs ?? .max) < min }) {
                lines.append(cols + indent(level) + "\(n.function)() { ... \(perSyscall(n.totalCalls - n.calls)) hidden (median under \(duration(min))) }" + (tail.isEmpty ? "" : " /* \(tail) */"))
            } else {
                lines.append(mblank + indent(level) + "\(n.function)() {")
                renderMergedNodes(n.children, level: level + 1, parentIrq: n.irq || parentIrq, pruning: pruning, syscalls: syscalls, into: &lines)
                lines.append(cols + indent(level) + "} /* \(n.function)\(tail.isEmpty ? "" : " " + tail) */")
            }
        }
        if inIrq { lines.append(mblank + indent(level) + "<==========") }
        if hidden > 0, let min = pruning.minTimeNs {
            lines.append(mblank + indent(level) + "... \(perSyscall(hidden)) hidden (median under \(duration(min)))")
        }
    }

    // MARK: pieces

    /// Opens or closes the marker around a run of calls made in interrupt
    /// context on top of the thread; whether this call is inside one.
    static func interruptMark(_ irq: Bool, parentIrq: Bool, inIrq: Bool, prefix: String, into lines: inout [String]) -> Bool {
        let starts = irq && !parentIrq
        if starts && !inIrq { lines.append(prefix + "==========> interrupt work on top of the thread") }
        if !starts && inIrq { lines.append(prefix + "<==========") }
        return starts
    }

    static func errorText(_ o: ErrorOrigin, count: Int?) -> String {
        var s = "error from: \(o.chain.joined(separator: " → ")) → \(retText(o.error))"
        if let c = count { s += " (\(c) calls)" }
        s += "\n"
        var why = "  \(o.innermost) returned it and no traced call below it did"
        if !o.innermostCallees.isEmpty {
            why += " (it called " + o.innermostCallees.prefix(6).joined(separator: ", ") + (o.innermostCallees.count > 6 ? ", ..." : "") + ")"
        }
        if !o.interruptFunctions.isEmpty {
            why += "; interrupt work during the syscall ran " + o.interruptFunctions.prefix(6).joined(separator: ", ")
                + (o.interruptFunctions.count > 6 ? ", ..." : "")
        }
        let plain = o.innermostCallees.isEmpty && o.interruptFunctions.isEmpty
        s += why + (plain ? ": it made the error itself\n" : ": it made the error, or read back state one of these set (a socket error)\n")
        return s
    }

    /// `0`, `-111 ECONNREFUSED`, `?` (exit not seen).
    public static func retText(_ r: Int64?) -> String {
        guard let r else { return "?" }
        if r < 0 && r >= -4095 { return "\(r) \(StraceFormat.errnoName(Int32(-r)))" }
        return "\(r)"
    }

    /// ` /* = -111 ECONNREFUSED */` for an error return, else empty.
    static func retComment(_ r: Int64?) -> String {
        guard let r, r < 0, r >= -4095 else { return "" }
        return " /* = \(retText(r)) */"
    }

    /// ftrace's unit: microseconds, three decimals; milliseconds and seconds when longer.
    public static func duration(_ ns: UInt64) -> String {
        let d = Double(ns)
        if ns < 1_000_000 { return cFormat("%.3f us", d / 1e3) }
        if ns < 1_000_000_000 { return cFormat("%.3f ms", d / 1e6) }
        return cFormat("%.3f s", d / 1e9)
    }

    /// "1 call", "12 calls"
    static func calls(_ n: Int) -> String { n == 1 ? "1 call" : "\(n) calls" }

    static let blank = String(repeating: " ", count: 12) + "  |  "
    static func col(_ s: String) -> String { leftPad(s, 12) + "  |  " }
    static func indent(_ level: Int) -> String { String(repeating: "  ", count: level - 1) }
    static func leftPad(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
}

extension GraphReport {
    /// compare --graph: each protocol's merged trees one after the other, then the claim.
    public static func renderCompare(_ r: CompareGraphResult, pruning: Pruning) -> String {
        var s = ""
        for run in r.runs {
            s += "== \(run.proto.rawValue.uppercased()): call trees of \(CompareGraph.syscalls.joined(separator: ", ")) (\(run.graph.attached) functions, \(run.graph.backend.rawValue)) ==\n\n"
            s += render(run.graph, pruning: pruning)
        }
        let mark = r.claim.status == .held ? "held" : r.claim.status == .notHeld ? "NOT HELD" : "unknown"
        s += "claim \(r.claim.id): \(mark): \(r.claim.title)\n  \(r.claim.evidence.rendered)\n"
        return s
    }
}
