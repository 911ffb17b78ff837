import KernelInfo
import FoundationEssentials
import Glibc
import Probes
import Sessions

/// `kpath stacks` output: bcc stackcount's multi-line layout and folded lines.
public enum StackReport {
    /// One block per stack, most frequent first:
    ///
    ///       tcp_v4_connect+0x5          (the target on top; tracepoints get a line of their own)
    ///       __inet_stream_connect+0x10a
    ///       ...
    ///         curl [1234]               (`comm`, with `[tgid]` when merged per process)
    ///         3
    ///
    /// bcc prints frames as `  sym`, then `    comm [pid]` (per-pid only) and `    count`,
    /// then a blank line; it sorts ascending (hottest last), kpath descending.
    public static func multiline(_ stacks: [MergedStack], limit: Int? = nil) -> String {
        var out = ""
        for s in stacks.prefix(limit ?? stacks.count) {
            for f in s.frames { out += "  " + f + "\n" }
            out += "    " + s.comm + (s.tgid.map { " [\($0)]" } ?? "") + "\n"
            out += "    " + String(s.count) + "\n\n"
        }
        return out
    }

    /// `comm;outermost;...;innermost count` lines (flamegraph.pl, inferno, speedscope).
    public static func folded(_ stacks: [MergedStack], limit: Int? = nil) -> String {
        FoldedStacks(Array(stacks.prefix(limit ?? stacks.count))).render()
    }

    /// Parses `multiline` output back (for tests and tools): frames innermost
    /// first, comm (with tgid when present) and count.
    public static func parseMultiline(_ text: String) -> [MergedStack] {
        var out: [MergedStack] = []
        var frames: [String] = []
        var comm: String? = nil
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            if line.isEmpty { frames = []; comm = nil; continue }
            if line.hasPrefix("    ") {
                let v = String(line.dropFirst(4))
                if comm == nil {
                    comm = v
                } else if let n = UInt64(v) {
                    var c = comm!
                    var tgid: UInt32? = nil
                    if c.hasSuffix("]"), let open = c.lastIndex(of: "["), let t = UInt32(c[c.index(after: open)..<c.index(before: c.endIndex)]) {
                        tgid = t
                        c = String(c[..<open]).trimmed()
                    }
                    out.append(MergedStack(target: frames.first.map(StackFrames.name) ?? "", frames: frames, comm: c, tgid: tgid,
                                           count: n, firstNs: 0, missed: frames.contains(StackFrames.missing)))
                    frames = []; comm = nil
                }
            } else if line.hasPrefix("  ") {
                frames.append(String(line.dropFirst(2)))
            }
        }
        return out
    }

    /// One stderr line per kind of loss, empty when nothing was lost.
    public static func lossLines(_ l: StackLosses) -> [String] {
        var out: [String] = []
        if l.stacks > 0 { out.append("kpath: \(l.stacks) stack\(l.stacks == 1 ? "" : "s") lost (stack map full); the hits are counted under \(StackFrames.missing)") }
        if l.counts > 0 { out.append("kpath: \(l.counts) hit\(l.counts == 1 ? "" : "s") not counted (stack count map full)") }
        if l.events > 0 { out.append("kpath: \(l.events) event\(l.events == 1 ? "" : "s") lost (ring buffer full)") }
        if l.tracked > 0 { out.append("kpath: \(l.tracked) child process\(l.tracked == 1 ? "" : "es") not traced (tracked-process map full); their hits are missing") }
        if l.unnamed > 0 { out.append("kpath: \(l.unnamed) hit\(l.unnamed == 1 ? "" : "s") at an address kpath could not name (missing from the table); rerun with --backend kprobe") }
        return out
    }

    /// `Tracing 2 functions and 1 tracepoint for "tcp_v4_connect,t:net:net_dev_queue"... Hit Ctrl-C to end.`
    public static func tracingLine(targets: [TraceTarget], attached: Int, specs: [String]) -> String {
        let nt = targets.filter(\.isTracepoint).count
        let nf = attached - nt
        var parts: [String] = []
        if nf > 0 || nt == 0 { parts.append("\(nf) function\(nf == 1 ? "" : "s")") }
        if nt > 0 { parts.append("\(nt) tracepoint\(nt == 1 ? "" : "s")") }
        return "Tracing \(parts.joined(separator: " and ")) for \"\(specs.joined(separator: ","))\"... Hit Ctrl-C to end."
    }
}

/// `kpath trace` output: bcc trace's `PID TID COMM FUNC` lines, each followed
/// with -K by the kernel stack, one indented frame per line.
public enum TraceReport {
    public static let header = "PID     TID     COMM            FUNC"

    /// `%-7d %-7d %-15s %-16s` (trailing blanks trimmed), then `        frame` lines.
    public static func block(_ h: TraceHit, kernelStack: Bool, offsets: Bool = true) -> String {
        var line = pad(String(h.tgid), 7) + " " + pad(String(h.tid), 7) + " " + pad(h.comm, 15) + " " + h.target
        if let f = h.fields, !f.isEmpty { line += " " + TracepointFieldText.line(f) }
        while line.last == " " { line.removeLast() }
        var out = line + "\n"
        guard kernelStack else { return out }
        if let e = h.stackError {
            // bcc prints the negative stack id; kpath says what it means.
            out += "        [Missed Kernel Stack: \(String(cString: strerror(e)))]\n"
            return out
        }
        for f in h.frames { out += "        " + (offsets ? f : StackFrames.nameWithModule(f)) + "\n" }
        return out
    }
}
