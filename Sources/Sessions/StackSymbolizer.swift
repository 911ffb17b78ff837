import KernelInfo
import Probes

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
