import FoundationEssentials
import KernelInfo
import Probes
import Sessions

// The `kpath compare --html` page: its facts, notice and sections.
extension HTMLReport {
    /// The full `kpath compare --html` page. `generated` is printed in the header.
    public static func compare(_ r: CompareResult, generated: Date = Date()) -> String {
        comparePage(r, generated: generated).render()
    }

    public static func comparePage(_ r: CompareResult, generated: Date = Date()) -> Page {
        Page(title: "kpath compare \(r.runs.map(\.key).joined(separator: " ")) — kernel \(r.kernel)",
             facts: compareFacts(r, generated: generated), notice: modeNotice(r), sections: compareSections(r))
    }

    /// Kernel, backend, mode, dials, side, command line, date, duration.
    public static func compareFacts(_ r: CompareResult, generated: Date = Date()) -> [(String, String)] {
        var f: [(String, String)] = [("kernel", r.kernel), ("backend", r.backend.rawValue),
                                     ("mode", r.mode == .functions ? "functions (probes on kernel functions)" : "tracepoints only (degraded)")]
        if r.mode == .functions, let run = r.runs.first {
            f.append(("functions", "\(run.functionsAttached) attached (\(r.patterns.joined(separator: ","))), \(run.functionsSkipped) skipped"))
            if let line = r.functionSet?.headerLine { f.append(("function set", line)) }
        }
        f += [(r.repetitions, "\(r.dials) per \(r.isCommandRun ? "command" : "protocol"), \(r.side.rawValue) side"), ("command", r.command),
              ("date", isoDate(generated)), ("took", cFormat("%.1f s", r.seconds))]
        return f
    }

    /// In tracepoint mode, a box saying why and what the page cannot show; nil otherwise.
    public static func modeNotice(_ r: CompareResult) -> String? {
        guard r.mode == .tracepoints else { return nil }
        return """
        <div class="notice"><strong>Tracepoint mode: this kernel offers no function probes.</strong> \(esc(r.modeReason ?? ""))
        <br>What this page cannot show: function call counts (no funccount tables, no calls per dial),
        functions that never appear on a kernel stack taken at a tracepoint (\(CompareSession.stackTracepoints.map { "<code>\($0.0):\($0.1)</code>" }.joined(separator: ", ")), syscalls), and the claims that need a probe on a function
        (they are marked unknown, never held). Functions below are those seen on those stacks; no count is invented.</div>
        """
    }

    /// Every compare section, in the text report's order, claims first.
    public static func compareSections(_ r: CompareResult) -> [Section] {
        // --run: no claims, no article; the commands side by side.
        var out: [Section] = r.isCommandRun ? [perSyscallSection(r)] : [claimsSection(r), perSyscallSection(r)]
        if r.mode == .functions && !r.isCommandRun {
            out.append(funccountSection(r))
            out.append(keyFunctionsSection(r))
        }
        if r.runs.count >= 2 { out.append(onlyInSection(r)) }
        out.append(packetsSection(r))
        out.append(flameSection(r))
        out.append(stacksSection(r))
        out.append(syscallsSection(r))
        return out
    }

    static func claimsSection(_ r: CompareResult) -> Section {
        let held = r.claims.filter { $0.status == .held }.count
        let notHeld = r.claims.filter { $0.status == .notHeld }.count
        let unknown = r.claims.filter { $0.status == .unknown }.count
        var summary = "<p class=\"summary\">\(claimBadge(.held)) \(held) of \(r.claims.count) held"
        if notHeld > 0 { summary += " · \(claimBadge(.notHeld)) \(notHeld)" }
        if unknown > 0 { summary += " · \(claimBadge(.unknown)) \(unknown) unknown on this kernel" }
        summary += "</p>\n"
        let rows = r.claims.map { c -> [Cell] in
            [.html(claimBadge(c.status)), .html("<code>\(esc(c.id))</code>"), Cell(c.title), .html("<span class=\"evidence\">\(esc(c.evidence.rendered))</span>")]
        }
        return Section(id: "claims", title: r.run(.tcp) != nil && r.run(.udp) != nil ? "The article's claims" : "Claims",
                       intro: "Each claim of \"A UDP server and client in Go\" (2018), checked on this kernel. A claim without evidence here is unknown, never held.",
                       body: summary + table(["", "claim", "what the article says", "evidence on this kernel"], rows, className: "claims"))
    }

    /// A coloured status word: held, NOT HELD, unknown.
    public static func claimBadge(_ s: ClaimStatus) -> String {
        switch s {
        case .held: return "<span class=\"badge held\">✓ held</span>"
        case .notHeld: return "<span class=\"badge notheld\">✗ NOT HELD</span>"
        case .unknown: return "<span class=\"badge unknown\">? unknown</span>"
        }
    }


    static func perSyscallSection(_ r: CompareResult) -> Section {
        let fm = r.mode == .functions
        var rows: [[Cell]] = []
        for ph in CompareReport.clientPhases {
            let cells = r.runs.map { run in CompareReport.phases(run, r.mode).first { $0.phase == ph } }
            if cells.allSatisfy({ ($0?.distinct ?? 0) == 0 }) { continue }
            rows.append([.html("<code>\(esc(ph.description))</code>")] + cells.flatMap { [Cell.num("\($0?.distinct ?? 0)"), .num(f2($0?.callsPerDial ?? 0))] })
        }
        let unit = (fm ? "calls/" : "stack hits/") + (r.isCommandRun ? "run" : "dial")
        return Section(id: "per-syscall", title: fm ? "Per syscall: distinct functions and calls per dial" : "Per syscall: functions seen on stacks",
                       intro: fm ? "Each call is attributed to the client syscall it ran under (softirq work on the client's stack included)."
                           : "Distinct functions on the kernel stacks taken at tracepoints during each client syscall, and stack hits per dial.",
                       body: table(["syscall"] + r.runs.flatMap { ["\($0.title) functions", "\($0.title) \(unit)"] }, rows, className: "narrow"))
    }

    static func funccountSection(_ r: CompareResult) -> Section {
        var body = "<div class=\"cols\">\n"
        for run in r.runs {
            let prefix = CompareReport.funccountPrefix(run.proto)
            var totals: [String: UInt64] = [:]
            for ph in run.phases { for f in ph.functions where f.function.hasPrefix(prefix) { totals[f.function, default: 0] += f.calls } }
            let sorted = totals.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
            let rows = sorted.map { [Cell.html("<code>\(esc($0.key))</code>"), .num("\($0.value)")] }
            body += "<div><h3>\(run.title) client: \(prefix)* calls (\(sorted.count) functions, \(sorted.reduce(0) { $0 + $1.value }) calls, \(run.dials) dials)</h3>\n"
            body += "<div class=\"scroll\">" + table(["FUNC", "COUNT"], rows, className: "narrow") + "</div></div>\n"
        }
        body += "</div>"
        return Section(id: "funccount", title: "The article's funccount tables",
                       intro: "What bcc's funccount showed in the article: the client's tcp_* calls for TCP, udp_* for UDP, hottest first.", body: body)
    }

    static func keyFunctionsSection(_ r: CompareResult) -> Section {
        var rows: [[Cell]] = []
        for f in CompareReport.keyFunctions {
            for run in r.runs {
                for ph in run.phases {
                    guard let h = ph.functions.first(where: { $0.function == f }) else { continue }
                    rows.append([.html("<code>\(esc(f))</code>"), Cell(run.key), Cell(ph.phase.description), .num(f2(h.perDial)), .num("\(h.inInterrupt)")])
                }
            }
        }
        return Section(id: "key-functions", title: "The article's functions, per dial, by syscall",
                       intro: "tcp_transmit_skb is inlined in current kernels; the traceable function is __tcp_transmit_skb.",
                       body: table(["function", "proto", "syscall", "per dial", "in irq"], rows, className: "narrow"))
    }

    static func onlyInSection(_ r: CompareResult) -> Section {
        var rows: [[Cell]] = []
        let protos = r.runs.map(\.title)
        for ph in CompareReport.pathPhases {
            let sets = r.runs.map { CompareReport.phases($0, r.mode).first { $0.phase == ph }?.functions ?? [] }
            if sets.allSatisfy(\.isEmpty) { continue }
            let names = sets.map { Set($0.map(\.function)) }
            var row: [Cell] = [.html("<code>\(esc(ph.description))(2)</code>")]
            for (i, fns) in sets.enumerated() {
                let others = names.enumerated().filter { $0.offset != i }.map(\.element)
                row.append(.html(fnList(fns.filter { f in !others.contains { $0.contains(f.function) } })))
            }
            row.append(.html(fnList((sets.first ?? []).filter { f in names.allSatisfy { $0.contains(f.function) } })))
            rows.append(row)
        }
        let all = protos.count == 2 ? "both" : "all"
        return Section(id: "only-in", title: "Functions " + protos.map { "only in \($0)" }.joined(separator: ", ") + (protos.count == 2 ? ", in both" : ", in all"),
                       intro: r.mode == .functions ? "Per syscall, with calls per dial." : "Per syscall, functions seen on stacks, with stack hits per dial.",
                       body: table(["syscall"] + protos.map { "only \($0)" } + ["\(all) (\(protos.first ?? "")'s figure)"], rows, className: "lists"))
    }

    static func fnList(_ fns: [FunctionHits]) -> String {
        if fns.isEmpty { return "<span class=\"muted\">none</span>" }
        return "<span class=\"count\">\(fns.count)</span> " + fns.map { "<code>\(esc($0.function))</code>&nbsp;\(f2($0.perDial))" }.joined(separator: ", ")
    }

    static func packetsSection(_ r: CompareResult) -> Section {
        var body = ""
        for run in r.runs {
            if run.proto == .command && run.packets.isEmpty {
                body += "<div class=\"packets\">\n<h3>\(esc(run.title)): no packets</h3>\n<p class=\"muted\">No packet reached a network device (net:net_dev_queue) while it ran.</p>\n</div>\n"
                continue
            }
            if run.proto.isUnix && run.packets.isEmpty {
                body += "<div class=\"packets\">\n<h3>\(run.title): no packets</h3>\n<p class=\"muted\">A Unix socket hands its data to the peer socket directly; nothing reaches a network device (net:net_dev_queue saw no packet from the client's or server's tasks).</p>\n</div>\n"
                continue
            }
            let dial1 = run.packets.filter { $0.dial == 1 }
            // On loopback every address has the same host: show it once, ports in the table.
            let hosts = Set(dial1.flatMap { [host($0.source), host($0.destination)] })
            let oneHost = hosts.count == 1 ? hosts.first : nil
            body += "<div class=\"packets\">\n<h3>\(run.title): \(dial1.count) packet\(dial1.count == 1 ? "" : "s") in dial 1 (\(run.packets.count) in all, \(f2(Double(run.packets.count) / Double(max(run.dials, 1)))) per dial)\(oneHost.map { ", all on \(esc($0))" } ?? "")</h3>\n"
            body += "<div class=\"timeline\">" + sequenceDiagram(run) + "</div>\n"
            // A device column when a packet left through something other than lo (--peer netns: the veth ends).
            let devices = run.packets.contains { $0.device != nil && $0.device != "lo" }
            let rows = dial1.map { p -> [Cell] in
                let route = oneHost != nil ? "\(port(p.source)) → \(port(p.destination))" : "\(p.source) → \(p.destination)"
                return [.num(cFormat("%.3f", Double(p.nsSinceStart) / 1e6)), .html("<code>\(esc(p.phase.description))</code>"), Cell(route),
                        .html("<strong>\(esc(p.flags.description))</strong>"), .num("\(p.length)"),
                        .html(esc(p.sender.description) + (p.inInterrupt ? " <span class=\"muted\">(softirq on \(esc(p.task))'s stack)</span>" : ""))]
                    + (devices ? [.html("<code>\(esc(p.device ?? "?"))</code>")] : [])
            }
            body += "<div>" + table(["ms", "client syscall", oneHost != nil ? "ports" : "from → to", "flags", "len", "sent by"] + (devices ? ["device"] : []),
                                    rows, className: "pkts") + "</div>\n</div>\n"
        }
        return Section(id: "packets", title: r.isCommandRun ? "Packets of run 1" : "Packets of dial 1",
                       intro: "Every packet at net:net_dev_queue, placed in the client syscall whose time interval holds it (ms since the run started). On loopback the peer's reply often leaves in softirq on the client's own stack.",
                       body: body)
    }

    static func host(_ addr: String) -> String { addr.lastIndex(of: ":").map { String(addr[..<$0]) } ?? addr }
    static func port(_ addr: String) -> String { addr.lastIndex(of: ":").map { String(addr[addr.index(after: $0)...]) } ?? addr }

    /// `connect()`, or the words for packets outside the five syscalls.
    static func phaseLabel(_ moment: PacketMoment) -> String {
        switch moment {
        case .during(.other): return "other syscall"
        case .during(.none), .betweenSyscalls: return "between syscalls"
        case .during(let p): return "\(p)()"
        case .afterClose: return moment.description
        }
    }

    /// Client and server lanes, one arrow per packet of dial 1 in order, with
    /// its flags, length and time, grouped by the client syscall it fell in.
    public static func sequenceDiagram(_ run: ProtocolRun) -> String {
        let packets = run.packets.filter { $0.dial == 1 }
        let width = 540, top = 56, row = 38, bottom = 18
        let client = 190.0, server = 420.0
        let height = top + max(packets.count, 1) * row + bottom
        let p = run.key
        var s = "<svg class=\"seq\" role=\"img\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" xmlns=\"http://www.w3.org/2000/svg\">\n"
        s += "<title>\(esc(p.uppercased())) dial 1: packets between client and server</title>\n"
        s += "<defs><marker id=\"arr-\(p)-c\" class=\"m-client\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\"/></marker>"
        s += "<marker id=\"arr-\(p)-s\" class=\"m-server\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\"/></marker></defs>\n"
        // Bands: consecutive packets in the same client syscall.
        var i = 0, band = 0
        while i < packets.count {
            var j = i
            while j + 1 < packets.count && packets[j + 1].phase == packets[i].phase { j += 1 }
            let y0 = top + i * row - 4, h = (j - i + 1) * row
            s += "<rect class=\"band b\(band % 2)\" x=\"0\" y=\"\(y0)\" width=\"\(width)\" height=\"\(h)\"/>"
            let label = phaseLabel(packets[i].phase)
            s += "<text class=\"phase\" x=\"8\" y=\"\(y0 + 16)\">\(esc(label))</text>\n"
            band += 1
            i = j + 1
        }
        let cport = packets.first { $0.sender == .client }?.source ?? "client"
        let sport = packets.first { $0.sender == .server }?.source ?? ":\(run.serverPort)"
        s += "<text class=\"lane-name\" x=\"\(Int(client))\" y=\"20\" text-anchor=\"middle\">client</text>"
        s += "<text class=\"lane-port\" x=\"\(Int(client))\" y=\"36\" text-anchor=\"middle\">\(esc(cport))</text>"
        s += "<text class=\"lane-name\" x=\"\(Int(server))\" y=\"20\" text-anchor=\"middle\">server</text>"
        s += "<text class=\"lane-port\" x=\"\(Int(server))\" y=\"36\" text-anchor=\"middle\">\(esc(sport))</text>\n"
        s += "<line class=\"lane\" x1=\"\(Int(client))\" y1=\"\(top - 12)\" x2=\"\(Int(client))\" y2=\"\(height - 6)\"/>"
        s += "<line class=\"lane\" x1=\"\(Int(server))\" y1=\"\(top - 12)\" x2=\"\(Int(server))\" y2=\"\(height - 6)\"/>\n"
        if packets.isEmpty {
            s += "<text class=\"pkt\" x=\"\((Int(client) + Int(server)) / 2)\" y=\"\(top + 16)\" text-anchor=\"middle\">no packet recorded in dial 1</text>\n"
        }
        let left = client, right = server
        for (k, pk) in packets.enumerated() {
            let y = top + k * row + 20
            let fromClient = pk.sender == .client
            let (x1, x2) = fromClient ? (left + 2, right - 2) : (right - 2, left + 2)
            let cls = fromClient ? "client" : "server"
            let flags = pk.flags.isEmpty ? p.uppercased() : pk.flags.description
            s += "<g class=\"pkt \(cls)\"><title>\(esc("\(pk.source) → \(pk.destination) \(pk.flags) len \(pk.length), sent by \(pk.sender)\(pk.inInterrupt ? " in softirq on \(pk.task)'s stack" : "")"))</title>"
            s += "<line x1=\"\(fmt(x1))\" y1=\"\(y)\" x2=\"\(fmt(x2))\" y2=\"\(y)\" marker-end=\"url(#arr-\(p)-\(fromClient ? "c" : "s"))\"/>"
            s += "<text class=\"flags\" x=\"\(fmt((left + right) / 2))\" y=\"\(y - 5)\" text-anchor=\"middle\">\(esc(flags)) <tspan class=\"len\">len \(pk.length)</tspan></text>"
            s += "<text class=\"ms\" x=\"\(Int(client) - 10)\" y=\"\(y + 4)\" text-anchor=\"end\">\(cFormat("%.3f ms", Double(pk.nsSinceStart) / 1e6))</text>"
            if pk.inInterrupt {
                s += "<text class=\"irq\" x=\"\(fmt(right + 6))\" y=\"\(y + 4)\">softirq on \(esc(pk.task))</text>"
            }
            s += "</g>\n"
        }
        s += "</svg>"
        return s
    }

    static func flameSection(_ r: CompareResult) -> Section {
        var body = ""
        for run in r.runs {
            let folded = dialFolded(run)
            let title = "\(run.title) dial: the client's kernel stacks, by syscall (\(run.dials) dials)"
            if folded.lines.isEmpty {
                body += "<h3>\(esc(title))</h3><p class=\"muted\">no client stack was taken.</p>\n"
            } else {
                body += "<figure class=\"flame\">" + inlineSVG(FlameGraph.svg(folded: folded, title: title), id: "flame-\(run.key)") + "</figure>\n"
            }
        }
        let targets = Set(r.runs.flatMap { $0.stacks.filter { $0.role == .client }.map(\.target) }).sorted()
        return Section(id: "flame", title: r.isCommandRun ? "Flame graphs of each command" : "Flame graphs of TCP's and UDP's dial",
                       intro: "The client's kernel stacks taken at \(targets.joined(separator: ", ")): the syscall at the bottom, the probe point on top, width = hits. Hover a frame for its count.",
                       body: body)
    }

    /// The client's stacks of one run, folded: the syscall it ran under
    /// (`connect(2)`) at the root, then the frames outermost first.
    public static func dialFolded(_ run: ProtocolRun) -> FoldedStacks {
        FoldedStacks(lines: run.stacks.filter { $0.role == .client }.map { s in
            let frames = s.functions.isEmpty ? s.frames.map(StackFrames.name) : s.functions
            return FoldedStacks.Line(frames: [FoldedStacks.clean("\(s.phase)(2)")] + frames.reversed().map(FoldedStacks.clean), count: s.count)
        })
    }

    /// An SVG document made fit to sit inside HTML: no XML declaration, its
    /// ids (gradients) made unique with `id` so two graphs don't share one,
    /// and its `<style>` rules scoped to it (inline, they would style the whole page).
    public static func inlineSVG(_ svg: String, id: String) -> String {
        var s = svg
        if s.hasPrefix("<?xml"), let end = s.firstRange(of: "?>") { s = String(s[end.upperBound...]).trimmed() }
        s = s.replacing("id=\"background\"", with: "id=\"\(id)-bg\"")
            .replacing("url(#background)", with: "url(#\(id)-bg)")
        if let a = s.firstRange(of: "<style"), let open = s[a.upperBound...].firstRange(of: ">"), let close = s[open.upperBound...].firstRange(of: "</style>") {
            s.replaceSubrange(open.upperBound..<close.lowerBound, with: scopeCSS(String(s[open.upperBound..<close.lowerBound]), to: "#\(id)"))
        }
        return s.replacing("<svg ", with: "<svg id=\"\(id)\" ", maxReplacements: 1)
    }

    /// `text { ... }` -> `#id text { ... }`, each selector of each rule (flat CSS, no at-rules).
    static func scopeCSS(_ css: String, to scope: String) -> String {
        var out = "", rest = Substring(css)
        while let brace = rest.firstIndex(of: "{"), let end = rest[brace...].firstIndex(of: "}") {
            let selectors = rest[..<brace].split(separator: ",").map { $0.trimmed() }
            out += "\n" + selectors.map { "\(scope) \($0)" }.joined(separator: ", ") + " " + rest[brace...end]
            rest = rest[rest.index(after: end)...]
        }
        return out + "\n"
    }

    static func stacksSection(_ r: CompareResult) -> Section {
        let udp = r.run(.udp)
        var picks: [(String, StackSample)] = []
        for tcp in r.runs where tcp.proto == .tcp || tcp.proto == .tcp6 {
            let t = tcp.proto.title
            if let s = tcp.stacks.first(where: { $0.phase == .connect && $0.role == .client && (FunctionRole.tcpTransmit.allNames.contains($0.functions.first ?? "") || $0.functions.contains("tcp_connect")) }) {
                picks.append(("\(t) connect: the first transmit's kernel stack (at \(s.target))", s))
            } else if let s = tcp.stacks.first(where: { $0.phase == .connect && $0.role == .client }) {
                picks.append(("\(t) connect: a kernel stack at \(s.target)", s))
            }
        }
        if let s = udp?.stacks.first(where: { $0.phase == .connect && $0.role == .client && FunctionRole.udpConnect.found(in: $0.functions, on: nil) != nil }),
           let fn = FunctionRole.udpConnect.found(in: s.functions, on: KernelLine(release: r.kernel)) {
            picks.append(("UDP connect: \(fn)'s kernel stack", s))
        } else if let s = udp?.stacks.first(where: { $0.phase == .send && $0.role == .client }) {
            picks.append(("UDP write: the datagram's kernel stack (at \(s.target); UDP's connect sends nothing)", s))
        }
        var body = "<div class=\"cols\">\n"
        for (title, s) in picks {
            body += "<div><h3>\(esc(title))</h3><pre class=\"stack\">\(esc(s.frames.joined(separator: "\n")))</pre></div>\n"
        }
        if picks.isEmpty { body += "<p class=\"muted\">no client stack in connect or write was taken.</p>" }
        body += "</div>"
        return Section(id: "stacks", title: "Kernel stacks", intro: "Innermost frame first, as bcc's trace -K prints them.", body: body)
    }

    static func syscallsSection(_ r: CompareResult) -> Section {
        var body = ""
        for run in r.runs {
            body += "<details><summary>\(run.title) client: \(run.syscalls.count) syscall lines</summary><pre>\(esc(run.syscalls.map(\.rendered).joined(separator: "\n")))</pre></details>\n"
        }
        return Section(id: "syscalls", title: r.isCommandRun ? "The commands' syscalls" : "The clients' syscalls", intro: "strace-style, from the syscall tracepoints (click to open).", body: body)
    }
}
