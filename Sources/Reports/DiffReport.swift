import KernelInfo
import Probes
import Sessions

/// `kpath diff` as text: a header naming A and B, then per protocol and
/// syscall what appeared, vanished, was renamed or changed; then the claims.
public enum DiffReport {
    /// Lists wrap here; tables are as wide as their cells.
    static let width = 96

    public static func render(_ d: DiffResult) -> String {
        var o = "kpath diff — how the kernel path changed from A to B (\(d.kind.rawValue) results)\n"
        o += columns([header("A", d.a), header("B", d.b)])
        o += "noise: " + noiseText(d) + "\n"
        if !d.countsComparable {
            o += "counts: A and B counted differently (calls vs stack hits in tracepoint mode); changes in counts are left out\n"
        }
        if let line = functionSetLine(d) { o += wrap(line, indent: "", hanging: "           ") }
        if let c = d.counts {
            o += functions(c, unit: d.unit, indent: "")
            if c.isEmpty { o += "same functions, no count changed beyond the noise\n" }
            return o
        }
        for p in d.protocols { o += proto(p, d) }
        o += section("Claims whose status differs")
        if d.claims.isEmpty { o += "none: all \(d.claimsSame) claims judged the same on both\n" }
        for c in d.claims {
            o += "\(c.id): \(status(c.a)) -> \(status(c.b))  (\(c.title))\n"
            if let e = c.evidenceA { o += wrap("A: " + e.rendered, indent: "    ", hanging: "       ") }
            if let e = c.evidenceB { o += wrap("B: " + e.rendered, indent: "    ", hanging: "       ") }
        }
        if !d.claims.isEmpty { o += "(\(d.claimsSame) other claims judged the same)\n" }
        return o
    }

    /// One line per side: kernel, backend, dials.
    static func header(_ label: String, _ s: DiffSide) -> [String] {
        var what = "backend \(s.backend.rawValue)"
        if let m = s.mode, m != .functions { what += " (\(m.rawValue) mode)" }
        if let n = s.dials { what += ", \(n) dials" }
        if let side = s.side, side != .client { what += ", \(side.rawValue) side" }
        return ["\(label):", "kernel \(s.kernel),", what, "(\(s.file))"]
    }

    /// Said when A and B attached different sets of functions.
    public static func functionSetLine(_ d: DiffResult) -> String? {
        guard d.functionSetsDiffer else { return nil }
        func attached(_ s: DiffSide) -> String {
            guard let f = s.functionSet else { return "every matched function" }
            return f.kind == .seenInDials ? "\(f.chosen) of \(f.matched) functions (those seen in dials)"
                : f.kind == .given ? "the \(f.chosen) functions its patterns matched" : "every one of \(f.matched) functions"
        }
        return "functions: A attached \(attached(d.a)), B \(attached(d.b)); a function only on one side may be one the other did not attach (compare --functions all attaches every one)"
    }

    public static func noiseText(_ d: DiffResult) -> String {
        let unit = d.unit == .perDial ? " per dial" : d.noise.absolute == 1 ? " call" : " calls"
        return "a count changed when A and B differ by more than \(cFormat("%g", d.noise.absolute))\(unit) and "
            + "\(Int((d.noise.relative * 100).rounded()))% of the larger"
    }

    static func proto(_ p: ProtocolDiff, _ d: DiffResult) -> String {
        let name = p.title
        var o = section("\(name)")
        if !p.inA || !p.inB { return o + "only \(p.inA ? "A" : "B") ran \(name)\n" }
        // The phases' sizes side by side, then what changed inside each.
        let unit = d.unit == .perDial ? "calls/dial" : "calls"
        var rows = [["SYSCALL", "A funcs", "A \(unit)", "B funcs", "B \(unit)", "only A", "only B", "renamed", "changed", "moved"]]
        for ph in p.phases {
            let f = ph.functions
            let moved = p.moved.filter { $0.from == ph.phase || $0.to == ph.phase }.count
            rows.append([ph.phase.description, "\(ph.a.distinct)", f2(ph.a.perDial), "\(ph.b.distinct)", f2(ph.b.perDial),
                         "\(f.onlyA.count)", "\(f.onlyB.count)", "\(f.renamed.count)", "\(f.changed.count)", "\(moved)"])
        }
        o += columns(rows)
        // Grouped by route: on 6.1 vs later, TCP's whole close path moves at once.
        var routes: [(Phase, Phase)] = []
        for m in p.moved where !routes.contains(where: { $0 == (m.from, m.to) }) { routes.append((m.from, m.to)) }
        for (from, to) in routes {
            let ms = p.moved.filter { $0.from == from && $0.to == to }
            o += "\n\(name) moved from \(from) in A to \(to) in B (\(ms.count)):\n"
            o += wrap("", ms.map(moveItem), indent: " ", hanging: "  ")
        }
        for ph in p.phases where !ph.functions.isEmpty {
            o += "\n\(name) \(ph.phase.description):\n" + functions(ph.functions, unit: d.unit, indent: "  ")
        }
        return o
    }

    static func functions(_ f: FunctionsDiff, unit: DiffUnit, indent: String) -> String {
        var o = ""
        for r in f.renamed {
            let why = r.role.map { "renamed (\($0.rawValue)):" } ?? "renamed (compiler clone):"
            o += wrap(why, items(r.a) + ["->"] + items(r.b), indent: indent)
        }
        if !f.onlyA.isEmpty { o += wrap("only A (\(f.onlyA.count)):", items(f.onlyA), indent: indent) }
        if !f.onlyB.isEmpty { o += wrap("only B (\(f.onlyB.count)):", items(f.onlyB), indent: indent) }
        if !f.changed.isEmpty {
            o += indent + "changed (\(f.changed.count)):\n"
            var rows = [[indent + "  FUNCTION", "A", "B", "CHANGE"]]
            for c in f.changed { rows.append([indent + "  " + c.function, value(c.a, unit), value(c.b, unit), change(c, unit)]) }
            o += columns(rows)
        }
        return o
    }

    /// "tcp_close 1" (calls per dial, or calls); a list's items, kept whole when wrapped.
    static func items(_ fs: [FunctionValue]) -> [String] {
        fs.indices.map { i in "\(fs[i].function) \(fmt(fs[i].value))" + (i < fs.count - 1 ? "," : "") }
    }

    /// "tcp_close 1", "tcp_set_state 2 -> 1.67", "ip_rcv_finish_core.constprop.0 -> ip_rcv_finish_core 1".
    static func moveItem(_ m: Move) -> String {
        let name = m.a.function == m.b.function ? m.a.function : "\(m.a.function) -> \(m.b.function)"
        let value = m.a.value == m.b.value ? fmt(m.a.value) : "\(fmt(m.a.value)) -> \(fmt(m.b.value))"
        return "\(name) \(value),"
    }

    static func value(_ v: Double, _ unit: DiffUnit) -> String { unit == .perDial ? f2(v) : fmt(v) }

    /// "+1.00 (x2.00)" per dial, "+488 (x1.51)" in calls: B - A, and B / A.
    static func change(_ c: CountChange, _ unit: DiffUnit) -> String {
        let d = c.b - c.a
        let ratio = c.a > 0 ? cFormat(" (x%.2f)", c.b / c.a) : ""
        return (d >= 0 ? "+" : "-") + value(abs(d), unit) + ratio
    }

    static func status(_ s: ClaimStatus?) -> String {
        switch s {
        case .held?: return "held"
        case .notHeld?: return "NOT HELD"
        case .unknown?: return "unknown"
        case nil: return "absent"
        }
    }

    /// `label` and `items` laid into lines of `width`, items kept whole, the
    /// later lines after `hanging` (default: `indent` and four more). A
    /// trailing comma is dropped.
    static func wrap(_ label: String, _ items: [String], indent: String, hanging: String? = nil) -> String {
        let hanging = hanging ?? indent + "    "
        var items = items
        if let last = items.last, last.hasSuffix(",") { items[items.count - 1] = String(last.dropLast()) }
        var lines: [String] = []
        var line = indent + label
        for item in items {
            if line.count + 1 + item.count > width && line.count > hanging.count {
                lines.append(line)
                line = hanging
            }
            line += (line == hanging ? "" : " ") + item
        }
        lines.append(line)
        return lines.joined(separator: "\n") + "\n"
    }

    /// Free text (a claim's evidence) wrapped at spaces.
    static func wrap(_ text: String, indent: String, hanging: String) -> String {
        let words = text.split(separator: " ").map(String.init)
        return wrap(words.first ?? "", Array(words.dropFirst()), indent: indent, hanging: hanging)
    }

    static func section(_ title: String) -> String { "\n== \(title) ==\n" }
    static func f2(_ d: Double) -> String { cFormat("%.2f", d) }
    /// 1 for 1.0, 0.33 for a third.
    static func fmt(_ d: Double) -> String { d == d.rounded() ? cFormat("%.0f", d) : cFormat("%.2f", d) }
}
