import FoundationEssentials
import KernelInfo
import Probes
import Sessions

// The `kpath diff --html` page, from HTMLReport's blocks: the text report's
// content, one section per protocol, then the claims.
extension HTMLReport {
    public static func diff(_ d: DiffResult, generated: Date = Date()) -> String {
        var facts: [(String, String)] = []
        for (label, s) in [("A", d.a), ("B", d.b)] {
            let dials = s.dials.map { ", \($0) dials" } ?? ""
            facts.append((label, "kernel \(s.kernel), backend \(s.backend.rawValue)\(dials) — \(s.file)"))
        }
        facts += [("noise", DiffReport.noiseText(d)), ("date", isoDate(generated))]
        var sections: [Section] = []
        if let c = d.counts {
            sections.append(Section(id: "counts", title: "Functions", body: functionsTable(c, d.unit)))
        }
        for p in d.protocols { sections.append(protoSection(p, d)) }
        if d.kind == .compare { sections.append(claimsDiffSection(d)) }
        let kernels = "\(d.a.kernel) → \(d.b.kernel)"
        return Page(title: "kpath diff — \(kernels)", facts: facts,
                    notice: notice(d),
                    sections: sections).render()
    }

    static func notice(_ d: DiffResult) -> String? {
        var lines: [String] = []
        if !d.countsComparable { lines.append("A and B counted differently (calls vs stack hits): count changes are left out.") }
        if let l = DiffReport.functionSetLine(d) { lines.append(esc(l)) }
        return lines.isEmpty ? nil : lines.map { "<div class=\"notice\">\($0)</div>" }.joined()
    }

    static func protoSection(_ p: ProtocolDiff, _ d: DiffResult) -> Section {
        let name = p.title
        guard p.inA && p.inB else {
            return Section(id: p.name ?? p.proto.rawValue, title: name, body: "<p class=\"muted\">only \(p.inA ? "A" : "B") ran \(name)</p>")
        }
        let rows: [[Cell]] = p.phases.map { ph in
            // A link only where the phase has a table below.
            let name: Cell = ph.functions.isEmpty ? Cell(ph.phase.description)
                : .html("<a href=\"#\(anchor(p.name ?? p.proto.rawValue, ph.phase))\">\(esc(ph.phase.description))</a>")
            return [name, .num("\(ph.a.distinct)"), .num(f2(ph.a.perDial)), .num("\(ph.b.distinct)"), .num(f2(ph.b.perDial)),
                    .num("\(ph.functions.onlyA.count)"), .num("\(ph.functions.onlyB.count)"),
                    .num("\(ph.functions.renamed.count)"), .num("\(ph.functions.changed.count)"),
                    .num("\(p.moved.filter { $0.from == ph.phase || $0.to == ph.phase }.count)")]
        }
        var body = table(["syscall", "A funcs", "A calls/dial", "B funcs", "B calls/dial", "only A", "only B", "renamed", "changed", "moved"],
                         rows, className: "narrow")
        if !p.moved.isEmpty {
            // A whole close path moving (6.1 -> later) is dozens of rows: folded unless short.
            body += "\n<details\(p.moved.count <= 12 ? " open" : "")><summary>Moved to another syscall (\(p.moved.count))</summary>\n"
            body += table(["function", "A: syscall", "A", "B: syscall", "B"], p.moved.map { m in
                let name = m.a.function == m.b.function ? "<code>\(esc(m.a.function))</code>"
                    : "<code>\(esc(m.a.function))</code> → <code>\(esc(m.b.function))</code>"
                return [.html(name), Cell(m.from.description), .num(DiffReport.value(m.a.value, d.unit)), Cell(m.to.description), .num(DiffReport.value(m.b.value, d.unit))]
            }, className: "narrow") + "\n</details>"
        }
        for ph in p.phases where !ph.functions.isEmpty {
            body += "\n<h3 id=\"\(anchor(p.name ?? p.proto.rawValue, ph.phase))\">\(esc(name)) \(esc(ph.phase.description))</h3>\n"
            body += functionsTable(ph.functions, d.unit)
        }
        return Section(id: p.name ?? p.proto.rawValue, title: name, body: body)
    }

    /// One row per renamed role, function only in A or B, and changed count.
    /// A phase section's id: `tcp-connect`.
    static func anchor(_ p: String, _ ph: Phase) -> String { esc("\(p)-\(ph.description)") }

    static func functionsTable(_ f: FunctionsDiff, _ unit: DiffUnit) -> String {
        func v(_ x: Double) -> String { DiffReport.value(x, unit) }
        func names(_ fs: [FunctionValue]) -> String { fs.map { "<code>\(esc($0.function))</code> \(esc(v($0.value)))" }.joined(separator: ", ") }
        func total(_ fs: [FunctionValue]) -> Double { fs.reduce(0) { $0 + $1.value } }
        var rows: [[Cell]] = []
        for r in f.renamed {
            rows.append([Cell("renamed (\(r.role?.rawValue ?? "compiler clone"))"), .html(names(r.a) + " → " + names(r.b)), .num(v(total(r.a))), .num(v(total(r.b)))])
        }
        for x in f.onlyA { rows.append(["only A", .html("<code>\(esc(x.function))</code>"), .num(v(x.value)), .num("—")]) }
        for x in f.onlyB { rows.append(["only B", .html("<code>\(esc(x.function))</code>"), .num("—"), .num(v(x.value))]) }
        for c in f.changed {
            rows.append([.init("changed " + DiffReport.change(c, unit)), .html("<code>\(esc(c.function))</code>"), .num(v(c.a)), .num(v(c.b))])
        }
        return table(["what", "function", "A", "B"], rows, className: "narrow")
    }

    static func claimsDiffSection(_ d: DiffResult) -> Section {
        func badge(_ s: ClaimStatus?) -> String { s.map(claimBadge) ?? "<span class=\"muted\">absent</span>" }
        let rows: [[Cell]] = d.claims.map { c in
            [.html("<code>\(esc(c.id))</code><br>\(esc(c.title))"),
             .html(badge(c.a) + "<div class=\"evidence\">\(esc(c.evidenceA?.rendered ?? ""))</div>"),
             .html(badge(c.b) + "<div class=\"evidence\">\(esc(c.evidenceB?.rendered ?? ""))</div>")]
        }
        return Section(id: "claims", title: "Claims whose status differs",
                       intro: "\(d.claimsSame) claims judged the same on both.",
                       body: table(["claim", "A", "B"], rows, className: "claims"))
    }
}
