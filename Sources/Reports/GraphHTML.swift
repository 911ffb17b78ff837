import KernelInfo
import Sessions

// compare --graph --html: each protocol's merged call trees as nested
// <details> (no JavaScript), each call with a bar as wide as its share of the
// syscall's median time.
extension HTMLReport {
    public static func graphSection(_ g: CompareGraphResult) -> Section {
        var body = "<p class=\"claim\">\(claimBadge(g.claim.status)) <b>\(esc(g.claim.id))</b>: \(esc(g.claim.title))<br>\(esc(g.claim.evidence.rendered))</p>\n"
        for run in g.runs {
            body += "<h3>\(esc(run.proto.rawValue.uppercased()))</h3>\n"
            for m in run.graph.merged ?? [] {
                let total = max(1, m.medianNs ?? 1)
                body += "<details class=\"graph\"><summary><b>\(esc(m.name))()</b> — \(m.count) calls, median \(esc(m.medianNs.map(GraphReport.duration) ?? "?")), p90 \(esc(m.p90Ns.map(GraphReport.duration) ?? "?"))</summary>\n"
                body += graphNodes(m.calls, total: total)
                for o in m.errorOrigins {
                    body += "<p>error from: \(esc(o.origin.chain.joined(separator: " → "))) → \(esc(GraphReport.retText(o.origin.error))) (\(o.count) calls)</p>\n"
                }
                body += "</details>\n"
            }
        }
        return Section(id: "graph", title: "Call trees (kpath graph)",
                       intro: "Each syscall's calls merged over the dials: calls per syscall, median and p90 time; the bar is the call's median as a share of the syscall's. Interrupt work that ran on top of the thread is marked.",
                       body: body + "<style>details.graph details, details.graph div.leaf{margin-left:1.2em} .gbar{display:inline-block;height:.7em;background:#7aa7d8;margin-right:.4em;vertical-align:middle} .girq{color:#b35c00}</style>")
    }

    public static func graphNodes(_ nodes: [MergedNode], total: UInt64) -> String {
        var o = ""
        for n in nodes {
            let share = Double(n.medianNs ?? 0) / Double(total)
            let bar = "<span class=\"gbar\" style=\"width:\(Int(min(1, share) * 200))px\"></span>"
            var label = "\(bar)<code>\(esc(n.function))()</code> \(esc(cFormat("%.2f", n.perSyscall)))/syscall, median \(esc(n.medianNs.map(GraphReport.duration) ?? "-")), p90 \(esc(n.p90Ns.map(GraphReport.duration) ?? "-"))"
            if n.irq { label += " <span class=\"girq\">(interrupt work on top of the thread)</span>" }
            for (e, c) in n.errors.sorted(by: { $0.value > $1.value }) { label += " = \(esc(GraphReport.retText(Int64(e)))) x\(c)" }
            if n.children.isEmpty {
                o += "<div class=\"leaf\">\(label)</div>\n"
            } else {
                o += "<details><summary>\(label)</summary>\n" + graphNodes(n.children, total: total) + "</details>\n"
            }
        }
        return o
    }
}
