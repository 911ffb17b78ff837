import KernelInfo
import FoundationEssentials
import Glibc
import Sessions

/// Self-contained HTML reports: one file, inline CSS and inline SVG, no script,
/// nothing fetched (a Content-Security-Policy of `default-src 'none'` makes the
/// browser refuse any fetch that slipped in). Light and dark follow
/// `prefers-color-scheme`; the layout is made for a 1366 px laptop screen.
///
/// The whole compare page is `HTMLReport.compare(result)`. Other pages (a
/// `kpath tour --html` page, say) are put together from the same blocks:
///
/// ```swift
/// var page = HTMLReport.Page(title: "kpath tour — kernel \(r.kernel)",
///                            facts: HTMLReport.compareFacts(r), notice: HTMLReport.modeNotice(r))
/// for step in steps {
///     page.sections.append(HTMLReport.step(id: step.id, title: step.title, explanation: step.text,
///                                          command: step.command, evidence: step.evidence, claim: step.claim))
/// }
/// page.sections += HTMLReport.compareSections(r)
/// try AtomicFile.write(page.render(), to: path)
/// ```
///
/// Every building block escapes the text it is given (`esc`); only `Cell.html`,
/// `Section.body` and `Page.notice` take markup as it is.
public enum HTMLReport {
    // MARK: page

    /// One `<section>`: an anchor id (for the table of contents), a heading,
    /// an optional introduction (text) and a body (markup).
    public struct Section: Sendable {
        public var id: String
        public var title: String
        public var intro: String?
        public var body: String
        public init(id: String, title: String, intro: String? = nil, body: String) {
            self.id = id; self.title = title; self.intro = intro; self.body = body
        }

        public func render() -> String {
            var o = "<section id=\"\(esc(id))\">\n<h2>\(esc(title))</h2>\n"
            if let intro { o += "<p class=\"intro\">\(esc(intro))</p>\n" }
            return o + body + "\n</section>\n"
        }
    }

    /// A whole page: title, a header of facts (label: value, as text), an
    /// optional notice (markup, e.g. `modeNotice`), a table of contents and the sections.
    public struct Page: Sendable {
        public var title: String
        public var facts: [(String, String)]
        public var notice: String?
        public var sections: [Section]
        public init(title: String, facts: [(String, String)] = [], notice: String? = nil, sections: [Section] = []) {
            self.title = title; self.facts = facts; self.notice = notice; self.sections = sections
        }

        public func render() -> String {
            var o = """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="color-scheme" content="light dark">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
            <title>\(esc(title))</title>
            <style>\(HTMLReport.css)</style>
            </head>
            <body>
            <header>
            <h1>\(esc(title))</h1>

            """
            if !facts.isEmpty {
                o += "<dl class=\"facts\">\n"
                for (k, v) in facts { o += "<div><dt>\(esc(k))</dt><dd>\(esc(v))</dd></div>\n" }
                o += "</dl>\n"
            }
            if let notice { o += notice + "\n" }
            if sections.count > 1 {
                o += "<nav>" + sections.map { "<a href=\"#\(esc($0.id))\">\(esc($0.title))</a>" }.joined(separator: " ") + "</nav>\n"
            }
            o += "</header>\n<main>\n"
            for s in sections { o += s.render() }
            o += "</main>\n<footer>Drawn by kpath: one file, no scripts, nothing fetched.</footer>\n</body>\n</html>\n"
            return o
        }
    }

    // MARK: compare

    /// The full `kpath compare --html` page. `generated` is printed in the header.
    public static func compare(_ r: CompareResult, generated: Date = Date()) -> String {
        comparePage(r, generated: generated).render()
    }

    public static func comparePage(_ r: CompareResult, generated: Date = Date()) -> Page {
        Page(title: "kpath compare \(r.runs.map { $0.proto.rawValue }.joined(separator: " ")) — kernel \(r.kernel)",
             facts: compareFacts(r, generated: generated), notice: modeNotice(r), sections: compareSections(r))
    }

    /// Kernel, backend, mode, dials, side, command line, date, duration.
    public static func compareFacts(_ r: CompareResult, generated: Date = Date()) -> [(String, String)] {
        var f: [(String, String)] = [("kernel", r.kernel), ("backend", r.backend),
                                     ("mode", r.mode == .functions ? "functions (probes on kernel functions)" : "tracepoints only (degraded)")]
        if r.mode == .functions, let run = r.runs.first {
            f.append(("functions", "\(run.functionsAttached) attached (\(r.patterns.joined(separator: ","))), \(run.functionsSkipped) skipped"))
        }
        f += [("dials", "\(r.dials) per protocol, \(r.side) side"), ("command", r.command),
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
        let tcp = r.run(.tcp), udp = r.run(.udp)
        var out: [Section] = [claimsSection(r), perSyscallSection(r)]
        if r.mode == .functions {
            out.append(funccountSection(r))
            out.append(keyFunctionsSection(r))
        }
        if tcp != nil && udp != nil { out.append(onlyInSection(r)) }
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
            [.html(claimBadge(c.status)), .html("<code>\(esc(c.id))</code>"), Cell(c.title), .html("<span class=\"evidence\">\(esc(c.evidence))</span>")]
        }
        return Section(id: "claims", title: "The article's claims",
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

    static let phaseOrder = ["socket", "connect", "write", "read", "close", "other", "no-syscall"]

    static func perSyscallSection(_ r: CompareResult) -> Section {
        let fm = r.mode == .functions
        let tcp = r.run(.tcp), udp = r.run(.udp)
        var rows: [[Cell]] = []
        for ph in phaseOrder {
            let t = CompareReport.phases(tcp, r.mode).first { $0.phase == ph }, u = CompareReport.phases(udp, r.mode).first { $0.phase == ph }
            if (t?.distinct ?? 0) == 0 && (u?.distinct ?? 0) == 0 { continue }
            rows.append([.html("<code>\(esc(ph))</code>"), .num("\(t?.distinct ?? 0)"), .num(f2(t?.callsPerDial ?? 0)),
                         .num("\(u?.distinct ?? 0)"), .num(f2(u?.callsPerDial ?? 0))])
        }
        let unit = fm ? "calls/dial" : "stack hits/dial"
        return Section(id: "per-syscall", title: fm ? "Per syscall: distinct functions and calls per dial" : "Per syscall: functions seen on stacks",
                       intro: fm ? "Each call is attributed to the client syscall it ran under (softirq work on the client's stack included)."
                           : "Distinct functions on the kernel stacks taken at tracepoints during each client syscall, and stack hits per dial.",
                       body: table(["syscall", "TCP functions", "TCP \(unit)", "UDP functions", "UDP \(unit)"], rows, className: "narrow"))
    }

    static func funccountSection(_ r: CompareResult) -> Section {
        var body = "<div class=\"cols\">\n"
        for (run, prefix) in [(r.run(.tcp), "tcp_"), (r.run(.udp), "udp_")] {
            guard let run else { continue }
            var totals: [String: UInt64] = [:]
            for ph in run.phases { for f in ph.functions where f.function.hasPrefix(prefix) { totals[f.function, default: 0] += f.calls } }
            let sorted = totals.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
            let rows = sorted.map { [Cell.html("<code>\(esc($0.key))</code>"), .num("\($0.value)")] }
            body += "<div><h3>\(run.proto.rawValue.uppercased()) client: \(prefix)* calls (\(sorted.count) functions, \(sorted.reduce(0) { $0 + $1.value }) calls, \(run.dials) dials)</h3>\n"
            body += "<div class=\"scroll\">" + table(["FUNC", "COUNT"], rows, className: "narrow") + "</div></div>\n"
        }
        body += "</div>"
        return Section(id: "funccount", title: "The article's funccount tables",
                       intro: "What bcc's funccount showed in the article: the client's tcp_* calls for TCP, udp_* for UDP, hottest first.", body: body)
    }

    static func keyFunctionsSection(_ r: CompareResult) -> Section {
        var rows: [[Cell]] = []
        for f in CompareReport.keyFunctions {
            for run in [r.run(.tcp), r.run(.udp)].compactMap({ $0 }) {
                for ph in run.phases {
                    guard let h = ph.functions.first(where: { $0.function == f }) else { continue }
                    rows.append([.html("<code>\(esc(f))</code>"), Cell(run.proto.rawValue), Cell(ph.phase), .num(f2(h.perDial)), .num("\(h.inInterrupt)")])
                }
            }
        }
        return Section(id: "key-functions", title: "The article's functions, per dial, by syscall",
                       intro: "tcp_transmit_skb is inlined in current kernels; the traceable function is __tcp_transmit_skb.",
                       body: table(["function", "proto", "syscall", "per dial", "in irq"], rows, className: "narrow"))
    }

    static func onlyInSection(_ r: CompareResult) -> Section {
        var rows: [[Cell]] = []
        for ph in ["connect", "write", "read"] {
            let t = CompareReport.phases(r.run(.tcp), r.mode).first { $0.phase == ph }?.functions ?? []
            let u = CompareReport.phases(r.run(.udp), r.mode).first { $0.phase == ph }?.functions ?? []
            if t.isEmpty && u.isEmpty { continue }
            let tn = Set(t.map(\.function)), un = Set(u.map(\.function))
            rows.append([.html("<code>\(esc(ph))(2)</code>"), .html(fnList(t.filter { !un.contains($0.function) })),
                         .html(fnList(u.filter { !tn.contains($0.function) })), .html(fnList(t.filter { un.contains($0.function) }))])
        }
        return Section(id: "only-in", title: "Functions only in TCP, only in UDP, in both",
                       intro: r.mode == .functions ? "Per syscall, with calls per dial." : "Per syscall, functions seen on stacks, with stack hits per dial.",
                       body: table(["syscall", "only TCP", "only UDP", "both (TCP's figure)"], rows, className: "lists"))
    }

    static func fnList(_ fns: [FunctionHits]) -> String {
        if fns.isEmpty { return "<span class=\"muted\">none</span>" }
        return "<span class=\"count\">\(fns.count)</span> " + fns.map { "<code>\(esc($0.function))</code>&nbsp;\(f2($0.perDial))" }.joined(separator: ", ")
    }

    static func packetsSection(_ r: CompareResult) -> Section {
        var body = ""
        for run in r.runs {
            let dial1 = run.packets.filter { $0.dial == 1 }
            // On loopback every address has the same host: show it once, ports in the table.
            let hosts = Set(dial1.flatMap { [host($0.source), host($0.destination)] })
            let oneHost = hosts.count == 1 ? hosts.first : nil
            body += "<div class=\"packets\">\n<h3>\(run.proto.rawValue.uppercased()): \(dial1.count) packet\(dial1.count == 1 ? "" : "s") in dial 1 (\(run.packets.count) in all, \(f2(Double(run.packets.count) / Double(max(run.dials, 1)))) per dial)\(oneHost.map { ", all on \(esc($0))" } ?? "")</h3>\n"
            body += "<div class=\"timeline\">" + sequenceDiagram(run) + "</div>\n"
            let rows = dial1.map { p -> [Cell] in
                let route = oneHost != nil ? "\(port(p.source)) → \(port(p.destination))" : "\(p.source) → \(p.destination)"
                return [.num(cFormat("%.3f", Double(p.nsSinceStart) / 1e6)), .html("<code>\(esc(p.phase))</code>"), Cell(route),
                        .html("<strong>\(esc(p.flags))</strong>"), .num("\(p.length)"),
                        .html(esc(p.sender) + (p.inInterrupt ? " <span class=\"muted\">(softirq on \(esc(p.task))'s stack)</span>" : ""))]
            }
            body += "<div>" + table(["ms", "client syscall", oneHost != nil ? "ports" : "from → to", "flags", "len", "sent by"], rows, className: "pkts") + "</div>\n</div>\n"
        }
        return Section(id: "packets", title: "Packets of dial 1",
                       intro: "Every packet at net:net_dev_queue, placed in the client syscall whose time interval holds it (ms since the run started). On loopback the peer's reply often leaves in softirq on the client's own stack.",
                       body: body)
    }

    static func host(_ addr: String) -> String { addr.lastIndex(of: ":").map { String(addr[..<$0]) } ?? addr }
    static func port(_ addr: String) -> String { addr.lastIndex(of: ":").map { String(addr[addr.index(after: $0)...]) } ?? addr }

    /// `connect()`, or the words for packets outside the five syscalls.
    static func phaseLabel(_ phase: String) -> String {
        switch phase {
        case "other": return "other syscall"
        case "no-syscall", "between syscalls": return "between syscalls"
        default: return phase.contains(" ") ? phase : "\(phase)()"
        }
    }

    /// Client and server lanes, one arrow per packet of dial 1 in order, with
    /// its flags, length and time, grouped by the client syscall it fell in.
    public static func sequenceDiagram(_ run: ProtocolRun) -> String {
        let packets = run.packets.filter { $0.dial == 1 }
        let width = 540, top = 56, row = 38, bottom = 18
        let client = 190.0, server = 420.0
        let height = top + max(packets.count, 1) * row + bottom
        let p = run.proto.rawValue
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
        let cport = packets.first { $0.sender == "client" }?.source ?? "client"
        let sport = packets.first { $0.sender == "server" }?.source ?? ":\(run.serverPort)"
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
            let fromClient = pk.sender == "client"
            let (x1, x2) = fromClient ? (left + 2, right - 2) : (right - 2, left + 2)
            let cls = fromClient ? "client" : "server"
            let flags = pk.flags == "-" || pk.flags.isEmpty ? p.uppercased() : pk.flags
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
            let title = "\(run.proto.rawValue.uppercased()) dial: the client's kernel stacks, by syscall (\(run.dials) dials)"
            if folded.lines.isEmpty {
                body += "<h3>\(esc(title))</h3><p class=\"muted\">no client stack was taken.</p>\n"
            } else {
                body += "<figure class=\"flame\">" + inlineSVG(FlameGraph.svg(folded: folded, title: title), id: "flame-\(run.proto.rawValue)") + "</figure>\n"
            }
        }
        let targets = Set(r.runs.flatMap { $0.stacks.filter { $0.role == "client" }.map(\.target) }).sorted()
        return Section(id: "flame", title: "Flame graphs of TCP's and UDP's dial",
                       intro: "The client's kernel stacks taken at \(targets.joined(separator: ", ")): the syscall at the bottom, the probe point on top, width = hits. Hover a frame for its count.",
                       body: body)
    }

    /// The client's stacks of one run, folded: the syscall it ran under
    /// (`connect(2)`) at the root, then the frames outermost first.
    public static func dialFolded(_ run: ProtocolRun) -> FoldedStacks {
        FoldedStacks(lines: run.stacks.filter { $0.role == "client" }.map { s in
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
        let tcp = r.run(.tcp), udp = r.run(.udp)
        var picks: [(String, StackSample)] = []
        if let s = tcp?.stacks.first(where: { $0.phase == "connect" && $0.role == "client" && (FunctionRole.tcpTransmit.allNames.contains($0.functions.first ?? "") || $0.functions.contains("tcp_connect")) }) {
            picks.append(("TCP connect: the first transmit's kernel stack (at \(s.target))", s))
        } else if let s = tcp?.stacks.first(where: { $0.phase == "connect" && $0.role == "client" }) {
            picks.append(("TCP connect: a kernel stack at \(s.target)", s))
        }
        if let s = udp?.stacks.first(where: { $0.phase == "connect" && $0.role == "client" && FunctionRole.udpConnect.found(in: $0.functions, on: nil) != nil }),
           let fn = FunctionRole.udpConnect.found(in: s.functions, on: KernelLine(release: r.kernel)) {
            picks.append(("UDP connect: \(fn)'s kernel stack", s))
        } else if let s = udp?.stacks.first(where: { $0.phase == "write" && $0.role == "client" }) {
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
            body += "<details><summary>\(run.proto.rawValue.uppercased()) client: \(run.syscalls.count) syscall lines</summary><pre>\(esc(run.syscalls.joined(separator: "\n")))</pre></details>\n"
        }
        return Section(id: "syscalls", title: "The clients' syscalls", intro: "strace-style, from the syscall tracepoints (click to open).", body: body)
    }

    // MARK: tour step

    /// One explained step (for `kpath tour`): a title, a paragraph, the command
    /// in `<code>`, its evidence in `<pre>`, and the claim's status if it checks one.
    public static func step(id: String, title: String, explanation: String, command: String? = nil,
                            evidence: String? = nil, claim: Claim? = nil) -> Section {
        var body = ""
        if let command { body += "<p class=\"command\"><code>\(esc(command))</code></p>\n" }
        if let evidence { body += "<pre>\(esc(evidence))</pre>\n" }
        if let claim {
            body += "<p class=\"claim\">\(claimBadge(claim.status)) <code>\(esc(claim.id))</code> \(esc(claim.title)) — <span class=\"evidence\">\(esc(claim.evidence))</span></p>\n"
        }
        return Section(id: id, title: title, intro: explanation, body: body)
    }

    // MARK: tables and text

    /// A table cell: text (escaped), markup, or a right-aligned number.
    public struct Cell: Sendable, ExpressibleByStringLiteral {
        public var html: String
        public var numeric: Bool
        public init(_ text: String) { html = esc(text); numeric = false }
        public init(stringLiteral text: String) { self.init(text) }
        public static func html(_ markup: String) -> Cell { var c = Cell(""); c.html = markup; return c }
        public static func num(_ text: String) -> Cell { var c = Cell(text); c.numeric = true; return c }
    }

    /// A `<table>` with a header row (text) and rows of cells.
    public static func table(_ headers: [String], _ rows: [[Cell]], className: String? = nil) -> String {
        var o = "<table\(className.map { " class=\"\(esc($0))\"" } ?? "")>\n<thead><tr>"
        let numericCols = Set(rows.flatMap { $0.enumerated().filter { $0.element.numeric }.map(\.offset) })
        for (i, h) in headers.enumerated() { o += "<th\(numericCols.contains(i) ? " class=\"num\"" : "")>\(esc(h))</th>" }
        o += "</tr></thead>\n<tbody>\n"
        for row in rows {
            o += "<tr>" + row.map { "<td\($0.numeric ? " class=\"num\"" : "")>\($0.html)</td>" }.joined() + "</tr>\n"
        }
        if rows.isEmpty { o += "<tr><td colspan=\"\(max(headers.count, 1))\" class=\"muted\">none</td></tr>\n" }
        return o + "</tbody>\n</table>"
    }

    /// Text made safe for HTML content and attribute values (control bytes
    /// from a comm become U+FFFD).
    public static func esc(_ s: String) -> String { FlameGraph.escape(s) }

    static func f2(_ d: Double) -> String { cFormat("%.2f", d) }
    static func fmt(_ d: Double) -> String { FlameGraph.fmt(d) }

    static func isoDate(_ d: Date) -> String {
        var secs = time_t(d.timeIntervalSince1970.rounded(.down))
        var t = tm()
        gmtime_r(&secs, &t)
        return cFormat("%04d-%02d-%02d %02d:%02d:%02d UTC", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)
    }

    // MARK: style

    static let css = """

    :root { --bg: #ffffff; --fg: #1d2330; --muted: #5d6677; --line: #d8dce4; --head: #f1f3f7; --band0: #f5f7fb; --band1: #ebeff7;
            --accent: #1f5fbf; --client: #1f5fbf; --server: #c2570c; --held: #137333; --notheld: #b3261e; --unknown: #8a6100;
            --held-bg: #e6f4ea; --notheld-bg: #fce8e6; --unknown-bg: #fef3d6; --notice: #fff6dc; --notice-line: #e0b43c; }
    @media (prefers-color-scheme: dark) {
      :root { --bg: #14171d; --fg: #e3e7ee; --muted: #9aa3b2; --line: #333a47; --head: #1d222b; --band0: #181c23; --band1: #1f2530;
              --accent: #7fb0ff; --client: #7fb0ff; --server: #ffa45c; --held: #7ddc94; --notheld: #ff8a80; --unknown: #ffd166;
              --held-bg: #173321; --notheld-bg: #3b1a18; --unknown-bg: #3a2f12; --notice: #2d2715; --notice-line: #8a6d1f; }
    }
    * { box-sizing: border-box; }
    body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
    header, main, footer { max-width: 1300px; margin: 0 auto; padding: 0 24px; }
    header { padding-top: 20px; }
    h1 { font-size: 26px; margin: 0 0 12px; }
    h2 { font-size: 20px; margin: 34px 0 6px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
    h3 { font-size: 15px; margin: 16px 0 6px; }
    code, pre, .facts dd { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
    pre { background: var(--head); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; overflow-x: auto; margin: 6px 0; }
    .facts { display: flex; flex-wrap: wrap; gap: 4px 32px; margin: 0 0 12px; }
    .facts div { display: flex; gap: 8px; min-width: 0; }
    .facts dt { color: var(--muted); }
    .facts dd { margin: 0; overflow-wrap: anywhere; }
    .notice { background: var(--notice); border-left: 4px solid var(--notice-line); padding: 10px 14px; border-radius: 4px; margin: 10px 0; }
    nav { margin: 12px 0 0; display: flex; flex-wrap: wrap; gap: 6px 16px; font-size: 14px; }
    a { color: var(--accent); text-decoration: none; }
    a:hover { text-decoration: underline; }
    .intro { color: var(--muted); margin: 4px 0 10px; }
    .muted { color: var(--muted); }
    table { border-collapse: collapse; width: 100%; margin: 6px 0; font-size: 14px; }
    table.narrow { width: auto; min-width: 50%; }
    th, td { text-align: left; vertical-align: top; padding: 5px 10px; border-bottom: 1px solid var(--line); }
    th { background: var(--head); font-weight: 600; white-space: nowrap; }
    td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
    table.claims td:first-child { white-space: nowrap; }
    table.claims td:nth-child(2) { white-space: nowrap; }
    .evidence { font-size: 13px; color: var(--muted); overflow-wrap: anywhere; }
    table.lists td { font-size: 13px; line-height: 1.6; }
    table.lists td:first-child { white-space: nowrap; }
    .count { display: inline-block; min-width: 2em; font-weight: 600; }
    .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 13px; font-weight: 600; white-space: nowrap; }
    .badge.held { color: var(--held); background: var(--held-bg); }
    .badge.notheld { color: var(--notheld); background: var(--notheld-bg); }
    .badge.unknown { color: var(--unknown); background: var(--unknown-bg); }
    .summary { font-size: 16px; margin: 6px 0; }
    .cols { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 12px 28px; }
    .cols > div { min-width: 0; }
    .scroll { max-height: 440px; overflow-y: auto; border: 1px solid var(--line); border-radius: 6px; }
    .scroll table { margin: 0; width: 100%; }
    .scroll th { position: sticky; top: 0; }
    .packets { display: grid; grid-template-columns: 540px minmax(0, 1fr); gap: 0 24px; align-items: start; margin-bottom: 18px; }
    .packets h3 { grid-column: 1 / -1; }
    table.pkts { width: 100%; font-size: 13px; }
    table.pkts td { padding: 5px 8px; white-space: nowrap; }
    .timeline svg { display: block; max-width: 100%; height: auto; }
    svg.seq text { font-family: system-ui, "DejaVu Sans", sans-serif; font-size: 12px; fill: var(--fg); }
    svg.seq .band.b0 { fill: var(--band0); }
    svg.seq .band.b1 { fill: var(--band1); }
    svg.seq text.phase { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-weight: 600; fill: var(--fg); }
    svg.seq text.lane-name { font-size: 14px; font-weight: 600; }
    svg.seq text.lane-port, svg.seq text.ms, svg.seq tspan.len, svg.seq text.irq { fill: var(--muted); font-size: 11px; }
    svg.seq text.irq { font-style: italic; }
    svg.seq .lane { stroke: var(--muted); stroke-dasharray: 4 3; }
    svg.seq .pkt line { stroke-width: 2; }
    svg.seq .pkt.client line { stroke: var(--client); }
    svg.seq .pkt.server line { stroke: var(--server); }
    svg.seq .pkt.client text.flags { fill: var(--client); font-weight: 600; }
    svg.seq .pkt.server text.flags { fill: var(--server); font-weight: 600; }
    svg.seq marker.m-client path { fill: var(--client); }
    svg.seq marker.m-server path { fill: var(--server); }
    figure.flame { margin: 10px 0 18px; }
    figure.flame svg { display: block; width: 100%; max-width: 1250px; height: auto; border: 1px solid var(--line); border-radius: 6px; }
    pre.stack { font-size: 12.5px; max-height: 460px; }
    details { margin: 6px 0; }
    summary { cursor: pointer; font-weight: 600; }
    footer { color: var(--muted); font-size: 13px; padding-top: 30px; padding-bottom: 30px; }
    @media (max-width: 1100px) { .packets { grid-template-columns: 1fr; } }

    """
}
