import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import Reports
@testable import Sessions
import Probes

final class HTMLReportTests: XCTestCase {
    // MARK: a small synthetic run

    func stack(_ phase: String, role: String = "client", _ fns: [String], count: UInt64 = 3, target: String = "net:net_dev_queue") -> StackSample {
        StackSample(target: target, role: role == "server" ? .server : .client, phase: Phase(named: phase), inInterrupt: false, count: count, firstNs: 1,
                    frames: fns.map { $0 + "+0x10" }, functions: fns)
    }

    func packet(_ phase: String, _ sender: String, _ flags: TCPFlags, ns: UInt64, irq: Bool = false, dial: Int = 1) -> DialPacket {
        let c = "127.0.0.1:41234", s = "127.0.0.1:40123"
        return DialPacket(dial: dial, phase: PacketMoment(named: phase), sender: sender == "server" ? .server : .client, task: irq ? "client" : sender, inInterrupt: irq,
                          source: sender == "client" ? c : s, destination: sender == "client" ? s : c,
                          flags: flags, length: 74, nsSinceStart: ns, stack: [])
    }

    func hits(_ phase: String, _ fns: [(String, UInt64)]) -> PhaseFunctions {
        PhaseFunctions(phase: Phase(named: phase), functions: fns.map { FunctionHits(function: $0.0, calls: $0.1, perDial: Double($0.1) / 3, inInterrupt: 0) })
    }

    func run(_ p: Proto, mode: CompareMode) -> ProtocolRun {
        let tcp = p == .tcp
        let phases = tcp
            ? [hits("connect", [("tcp_v4_connect", 3), ("tcp_connect", 3), ("__tcp_transmit_skb", 9), ("inet_stream_connect", 3)]),
               hits("write", [("tcp_sendmsg", 3), ("ip_queue_xmit", 3)])]
            : [hits("connect", [("ip4_datagram_connect", 3), ("udp_lib_get_port", 3)]),
               hits("write", [("udp_sendmsg", 3), ("ip_send_skb", 3)])]
        let packets = tcp
            ? [packet("connect", "client", "SYN", ns: 1_000_000), packet("connect", "server", "SYN,ACK", ns: 1_050_000, irq: true),
               packet("connect", "client", "ACK", ns: 1_080_000), packet("write", "client", "PSH,ACK", ns: 1_200_000),
               packet("close", "client", "FIN,ACK", ns: 1_400_000), packet("connect", "client", "SYN", ns: 2_000_000, dial: 2)]
            : [packet("write", "client", "-", ns: 1_000_000), packet("read", "server", "-", ns: 1_100_000)]
        let entry = ["entry_SYSCALL_64_after_hwframe", "do_syscall_64"]
        let stacks = tcp
            ? [stack("connect", ["__tcp_transmit_skb", "tcp_connect", "tcp_v4_connect", "__sys_connect"] + entry.reversed()),
               stack("write", ["ip_queue_xmit", "tcp_sendmsg", "ksys_write"] + entry.reversed()),
               stack("read", role: "server", ["tcp_recvmsg", "ksys_read"] + entry.reversed())]
            : [stack("connect", ["ip4_datagram_connect", "__sys_connect"] + entry.reversed(), target: "ip4_datagram_connect"),
               stack("write", ["ip_send_skb", "udp_sendmsg", "ksys_write"] + entry.reversed())]
        return ProtocolRun(proto: p, dials: 3, serverPort: 40123, clientPID: 10, serverPID: 11, clientExit: 0,
                           functionsAttached: mode == .functions ? 955 : 0, functionsSkipped: 0,
                           phases: mode == .functions ? phases : [], functionsOnStacks: mode == .tracepoints ? phases : [],
                           packets: packets, stacks: stacks,
                           syscalls: [.saved("socket(AF_INET, \(tcp ? "SOCK_STREAM" : "SOCK_DGRAM"), IPPROTO_IP) = 3")],
                           syscallNames: ["socket", "connect"], clientOutput: [], seconds: 0.5)
    }

    func result(_ mode: CompareMode = .functions) -> CompareResult {
        CompareResult(kernel: "6.12.0-test", backend: mode == .functions ? .kprobeMulti : .tracepoint, mode: mode,
                      modeReason: mode == .tracepoints ? "kernel lockdown refuses kprobes" : nil,
                      dials: 3, side: .client, patterns: ["tcp_*", "udp_*"], command: "kpath compare tcp udp --count 3 --html r.html",
                      seconds: 1.5, runs: [run(.tcp, mode: mode), run(.udp, mode: mode)],
                      claims: [Claim(id: "tcp-connect-transmits", title: "TCP's connect transmits", status: .held, evidence: "SYN during connect"),
                               Claim(id: "udp-read-path", title: "UDP read path", status: .unknown, evidence: "needs kprobes"),
                               Claim(id: "both-connect", title: "Both call connect", status: .notHeld, evidence: "UDP 0 for 3 dials")])
    }

    /// The inline `<svg>…</svg>` documents of a page.
    func svgs(_ html: String) -> [String] {
        var out: [String] = []
        var rest = html[...]
        while let a = rest.range(of: "<svg "), let b = rest[a.lowerBound...].range(of: "</svg>") {
            out.append(String(rest[a.lowerBound..<b.upperBound]))
            rest = rest[b.upperBound...]
        }
        return out
    }

    // MARK: tests

    func testComparePageHasHeaderTablesClaimsAndGraphs() throws {
        let date = Date(timeIntervalSince1970: 1_764_000_000)
        let html = HTMLReport.compare(result(), generated: date)
        XCTAssertTrue(html.hasPrefix("<!doctype html>"))
        XCTAssertTrue(html.contains("<title>kpath compare tcp udp — kernel 6.12.0-test</title>"))
        for fact in ["6.12.0-test", "kprobe-multi", "kpath compare tcp udp --count 3 --html r.html", "2025-11-24 16:00:00 UTC", "955 attached"] {
            XCTAssertTrue(html.contains(fact), "header lacks \(fact)")
        }
        XCTAssertFalse(html.contains("Tracepoint mode"))
        // Claims checklist: one row per claim, each with its status.
        for id in ["tcp-connect-transmits", "udp-read-path", "both-connect"] { XCTAssertTrue(html.contains("<code>\(id)</code>")) }
        for part in [
            "badge held\">✓ held",
            "badge unknown\">? unknown",
            "badge notheld\">✗ NOT HELD",
            "1 of 3 held",
        ] {
            XCTAssertTrue(html.contains(part), part)
        }
        // Tables: claims, per syscall, funccount (tcp_* and udp_*), key functions, only-in, packets.
        for id in ["claims", "per-syscall", "funccount", "key-functions", "only-in", "packets", "flame", "stacks", "syscalls"] {
            XCTAssertTrue(html.contains("<section id=\"\(id)\">"), "no section \(id)")
        }
        XCTAssertGreaterThanOrEqual(html.components(separatedBy: "<table").count - 1, 7)
        XCTAssertTrue(html.contains("<td><code>tcp_v4_connect</code></td><td class=\"num\">3</td>"), "funccount row")
        XCTAssertTrue(html.contains("__tcp_transmit_skb</code>&nbsp;3.00"), "only-in list with per-dial figure")
        // Two flame graphs and two sequence diagrams, all well-formed XML.
        let all = svgs(html)
        XCTAssertEqual(all.count, 4)
        XCTAssertTrue(html.contains("<svg id=\"flame-tcp\""))
        XCTAssertTrue(html.contains("<svg id=\"flame-udp\""))
        XCTAssertEqual(html.components(separatedBy: "<svg class=\"seq\"").count - 1, 2)
        for s in all { XCTAssertNoThrow(try XMLDocument(data: Data(s.utf8)), String(s.prefix(80))) }
        XCTAssertFalse(html.contains("<?xml"), "an XML declaration inside HTML")
        XCTAssertFalse(html.contains("id=\"background\""), "two graphs sharing one gradient id")
        // The flame graph's own style rules stay inside it.
        XCTAssertTrue(html.contains("#flame-tcp text { font-family"))
        XCTAssertTrue(html.contains("#flame-udp .frame:hover rect {"))
        XCTAssertEqual(html.components(separatedBy: "text { font-family: Verdana").count - 1, 2, "an unscoped rule from an inline SVG")
    }

    func testFlameGraphOfADialIsTheClientsStacksBySyscall() {
        let f = HTMLReport.dialFolded(run(.tcp, mode: .functions))
        XCTAssertEqual(f.lines.count, 2, "the server's stack is left out")
        XCTAssertEqual(f.lines[0].frames, ["connect(2)", "entry_SYSCALL_64_after_hwframe", "do_syscall_64", "__sys_connect",
                                           "tcp_v4_connect", "tcp_connect", "__tcp_transmit_skb"])
        XCTAssertEqual(f.lines[0].count, 3)
    }

    func testSequenceDiagramDrawsEachPacketOfDialOne() throws {
        let svg = HTMLReport.sequenceDiagram(run(.tcp, mode: .functions))
        XCTAssertEqual(svg.components(separatedBy: "marker-end=").count - 1, 5, "dial 2's packet is not drawn")
        XCTAssertEqual(svg.components(separatedBy: "class=\"pkt client\"").count - 1, 4)
        XCTAssertEqual(svg.components(separatedBy: "class=\"pkt server\"").count - 1, 1)
        XCTAssertTrue(svg.contains(">SYN,ACK <tspan"))
        XCTAssertTrue(svg.contains("softirq on client"))
        for label in ["connect()", "write()", "close()"] { XCTAssertTrue(svg.contains(">\(label)</text>"), label) }
        XCTAssertEqual(svg.components(separatedBy: "class=\"band ").count - 1, 3, "one band per run of packets in the same syscall")
        _ = try XMLDocument(data: Data(svg.utf8))
        // UDP's datagrams have no flags: labelled UDP.
        XCTAssertTrue(HTMLReport.sequenceDiagram(run(.udp, mode: .functions)).contains(">UDP <tspan"))
        var empty = run(.udp, mode: .functions)
        empty.packets = []
        XCTAssertTrue(HTMLReport.sequenceDiagram(empty).contains("no packet recorded in dial 1"))
    }

    func testTracepointModeSaysWhatItCannotShow() {
        let html = HTMLReport.compare(result(.tracepoints))
        for part in [
            "Tracepoint mode: this kernel offers no function probes.",
            "kernel lockdown refuses kprobes",
            "What this page cannot show: function call counts",
            "tracepoints only (degraded)",
        ] {
            XCTAssertTrue(html.contains(part), part)
        }
        XCTAssertFalse(html.contains("<section id=\"funccount\">"), "no counts without function probes")
        XCTAssertFalse(html.contains("<section id=\"key-functions\">"))
        XCTAssertTrue(html.contains("Per syscall: functions seen on stacks"))
        XCTAssertTrue(html.contains("<svg id=\"flame-tcp\""))
    }

    func testEverythingFromTheRunIsEscaped() {
        var r = result()
        r.command = "kpath compare tcp udp --html '<b>&.html'"
        r.claims[0].evidence = "<script>alert(\"x\")</script> & more"
        r.runs[0].syscalls = ["write(1, \"</pre><img src=x>\", 16) = 16"]
        r.runs[0].stacks[0].frames[0] = "evil<frame>+0x1"
        let html = HTMLReport.compare(r)
        for part in [
            "<script",
            "<img",
            "<b>",
            "evil<frame>",
        ] {
            XCTAssertFalse(html.contains(part), part)
        }
        XCTAssertTrue(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more"))
        XCTAssertTrue(html.contains("--html &apos;&lt;b&gt;&amp;.html&apos;"))
        XCTAssertEqual(HTMLReport.esc("a\u{1}b"), "a\u{FFFD}b")
    }

    func testPageFetchesNothing() throws {
        for html in [HTMLReport.compare(result()), HTMLReport.compare(result(.tracepoints)), try HTMLReport.compare(fixture())] {
            let fetch = try NSRegularExpression(pattern: #"(src|href|action)\s*=\s*["']?\s*(https?:|//)|url\(\s*["']?(https?:|//)|@import|<script|<link|<iframe"#,
                                                options: [.caseInsensitive])
            let hit = fetch.firstMatch(in: html, range: NSRange(html.startIndex..., in: html))
            XCTAssertNil(hit, hit.map { (html as NSString).substring(with: $0.range) } ?? "")
            // The only URLs are SVG's namespace name, which nothing fetches.
            let urls = try NSRegularExpression(pattern: #"https?://[^"\s<]*"#).matches(in: html, range: NSRange(html.startIndex..., in: html))
            XCTAssertEqual(Set(urls.map { (html as NSString).substring(with: $0.range) }), ["http://www.w3.org/2000/svg"])
            XCTAssertTrue(html.contains("content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\""))
        }
    }

    func testPageFromBuildingBlocks() {
        let claim = Claim(id: "tcp-connect-transmits", title: "TCP's connect transmits", status: .held, evidence: "SYN in connect")
        var page = HTMLReport.Page(title: "kpath tour <1>", facts: [("kernel", "6.12")])
        page.sections.append(HTMLReport.step(id: "step-1", title: "1. connect", explanation: "TCP handshakes in connect(2).",
                                             command: "kpath trace -K tcp_connect -- kpath echo client", evidence: "tcp_connect+0x0\n  tcp_v4_connect", claim: claim))
        page.sections.append(HTMLReport.Section(id: "t", title: "A table",
                                                body: HTMLReport.table(["name", "n"], [["a<b", .num("2")], [.html("<code>x</code>"), .num("10")]])))
        let html = page.render()
        for part in [
            "<title>kpath tour &lt;1&gt;</title>",
            "<p class=\"command\"><code>kpath trace -K tcp_connect -- kpath echo client</code></p>",
            "<pre>tcp_connect+0x0\n  tcp_v4_connect</pre>",
            "badge held",
            "<p class=\"intro\">TCP handshakes in connect(2).</p>",
            "<th>name</th><th class=\"num\">n</th>",
            "<tr><td>a&lt;b</td><td class=\"num\">2</td></tr>",
            "<tr><td><code>x</code></td><td class=\"num\">10</td></tr>",
            "<a href=\"#step-1\">1. connect</a>",
        ] {
            XCTAssertTrue(html.contains(part), part)
        }
        XCTAssertTrue(HTMLReport.table(["a"], []).contains("none"))
    }

    // MARK: a real run: Debian 6.12 in the VM, kprobe-multi (Tests/fixtures)

    func fixture() throws -> CompareResult {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Tests/fixtures/compare-6.12-kprobe-multi.json")
        return try JSONDecoder().decode(CompareResult.self, from: Data(contentsOf: url))
    }

    func testRealFunctionsModeRun() throws {
        let r = try fixture()
        XCTAssertEqual(r.mode, .functions)
        let html = HTMLReport.compare(r)
        XCTAssertTrue(html.contains("6.12.118+deb13-amd64"))
        XCTAssertEqual(html.components(separatedBy: "<tr><td><span class=\"badge ").count - 1, r.claims.count)
        for part in [
            "11 of 11 held",
            "<td><code>tcp_v4_connect</code></td><td>tcp</td><td>connect</td><td class=\"num\">1.00</td>",
            "<td><code>ip4_datagram_connect</code></td><td>udp</td><td>connect</td><td class=\"num\">1.00</td>",
            "UDP connect: ip4_datagram_connect&apos;s kernel stack",
        ] {
            XCTAssertTrue(html.contains(part), part)
        }
        // TCP's dial graph shows the handshake's transmit under connect(2).
        let tcp = try XCTUnwrap(r.run(.tcp))
        XCTAssertTrue(HTMLReport.dialFolded(tcp).lines.contains {
            $0.frames.first == "connect(2)" && $0.frames.contains("tcp_v4_connect") && $0.frames.last == "__tcp_transmit_skb"
        })
        let graphs = svgs(html)
        XCTAssertEqual(graphs.count, 4)
        for s in graphs { XCTAssertNoThrow(try XMLDocument(data: Data(s.utf8))) }
        XCTAssertTrue(HTMLReport.sequenceDiagram(tcp).contains(">SYN <tspan"))
    }
}
