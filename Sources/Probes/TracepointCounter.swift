import BPFObjects
import Dispatch
import KernelInfo
import Libbpf

/// bpf/tpcount.bpf.c attached to tracepoints (`kpath funccount 't:net:*'`):
/// one per-CPU counter per tracepoint, the tracepoint's index as attach
/// cookie, or (before 5.15, no cookies) one object instance per tracepoint
/// with its index as a constant. A tracepoint the kernel refuses (some refuse
/// perf-event attachment to sched:*) is skipped with its reason, as
/// FunctionCounter skips functions.
public final class TracepointCounter {
    /// What was asked for, in the user's order: `tracepoints[index]`.
    public let tracepoints: [TraceTarget]
    public let object: BPFObject
    public private(set) var attached: [Int] = []
    public private(set) var skipped: [SkippedFunction] = []
    public private(set) var seconds: Double = 0
    private var links: [BPFLink] = []
    private var instances: [BPFObject] = []

    public init(tracepoints: [TraceTarget], tracker: Tracker, onlyProcess: Int32? = nil) throws {
        self.tracepoints = tracepoints
        let start = DispatchTime.now()
        let byCookie = HitKey.current == .cookie
        object = try Self.load(tracker: tracker, onlyProcess: onlyProcess, program: byCookie ? "tp_count" : "tp_count_fixed",
                               index: 0, entries: tracepoints.count, sharing: nil)
        for (i, t) in tracepoints.enumerated() {
            if Interrupt.requested { throw Cancelled() }
            guard case .tracepoint(let c, let e) = t else { continue }
            do {
                let prog: BPFProgram
                if byCookie || i == 0 {
                    prog = try object.program(byCookie ? "tp_count" : "tp_count_fixed")
                } else {
                    let o = try Self.load(tracker: tracker, onlyProcess: onlyProcess, program: "tp_count_fixed",
                                          index: i, entries: tracepoints.count, sharing: object)
                    instances.append(o)
                    prog = try o.program("tp_count_fixed")
                }
                links.append(try prog.attachTracepoint(category: c, event: e, cookie: byCookie ? UInt64(i) : 0))
                attached.append(i)
            } catch let e as Cancelled {
                throw e
            } catch {
                let line = String(describing: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
                skipped.append(SkippedFunction(function: t.name, reason: line))
            }
        }
        seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        if attached.isEmpty {
            throw ProbeError.nothingAttached(skipped.first.map { "\($0.function): \($0.reason)" } ?? "no tracepoint")
        }
    }

    private static func load(tracker: Tracker, onlyProcess: Int32?, program: String, index: Int, entries: Int,
                             sharing: BPFObject?) throws -> BPFObject {
        let o = try BPFObject(name: "tpcount", bytes: BPFObjects.bytes(.tpcount))
        try tracker.share(into: o)
        if let sharing { try o.shareMaps(["tp_counts"], with: sharing) }
        for p in o.programs { p.autoload = p.name == program }
        try o.map("tp_counts").setMaxEntries(max(1, entries))
        if let p = onlyProcess { try o.setRodata("only_tgid", UInt32(p)) }
        try o.setRodata("tp_index", UInt32(index))
        try o.load()
        return o
    }

    /// Hits per tracepoint, summed over CPUs, in `tracepoints` order.
    public func totals() throws -> [UInt64] {
        try object.map("tp_counts").sumPerCPUArray(count: tracepoints.count)
    }

    /// Zeroes the counters (for -i intervals).
    public func reset() throws {
        let m = try object.map("tp_counts")
        for k in 0..<tracepoints.count { try m.updatePerCPU(key: UInt32(k), value: UInt64(0)) }
    }

    @discardableResult
    public func detach() -> Double {
        let start = DispatchTime.now()
        links.forEach { $0.detach() }
        links = []
        return Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }

    deinit { detach() }
}
