// The tour's evidence pickers (typed: records, counts, hits, trees) and its
// 80-column text, on values shaped like real kpath runs (host 6.18, 6.12 VM).
import Foundation
import XCTest
@testable import Reports
@testable import Sessions

final class TourTests: XCTestCase {
    /// The records of `kpath syscalls -e all -- kpath echo client --proto udp --to localhost:9123 --count 1`, trimmed (host).
    static func path(_ s: String) -> [UInt8] { Array(s.utf8) }
    static func sin(_ port: UInt16) -> [UInt8] { [2, 0, UInt8(port >> 8), UInt8(port & 0xff), 127, 0, 0, 1] + [UInt8](repeating: 0, count: 8) }
    static func sun(_ p: String) -> [UInt8] { [1, 0] + Array(p.utf8) + [0] }
    static func rec(_ name: String, _ args: [UInt64], _ ret: Int64, addr: [UInt8] = [], data: [UInt8] = []) -> SyscallRecord {
        SyscallRecord(pid: 22937, name: name, args: args, ret: ret, addr: addr, data: data)
    }
    let resolution = [
        rec("openat", [UInt64(bitPattern: -100), 0x1000, 0o2000000], 3, data: path("/sys/devices/system/cpu/possible")),
        rec("socket", [1, 0o2004001, 0], 3),
        rec("connect", [3, 0x2000, 110], -2, addr: sun("/var/run/nscd/socket")),
        rec("newfstatat", [UInt64(bitPattern: -100), 0x1000, 0x3000, 0], 0, data: path("/etc/nsswitch.conf")),
        rec("openat", [UInt64(bitPattern: -100), 0x1000, 0o2000000], 3, data: path("/etc/nsswitch.conf")),
        rec("openat", [UInt64(bitPattern: -100), 0x1000, 0o2000000], 3, data: path("/etc/hosts")),
        rec("read", [3, 0x4000, 4096], 49, data: Array("127.0.0.1 localhost\n".utf8)),
        rec("close", [3], 0),
        rec("socket", [2, 0o2000002, 0], 3),
        rec("connect", [3, 0x2000, 16], 0, addr: sin(9123)),
    ]

    func testResolutionWindowStartsAtNscdAndEndsAtTheInetSocket() {
        let w = TourEvidence.resolutionWindow(resolution)
        XCTAssertEqual(w.records.first, resolution[1], "the nscd socket")
        XCTAssertEqual(w.records.last, resolution[7], "the close before the AF_INET socket")
        XCTAssertEqual(w.calls.map(\.description), ["connect:/var/run/nscd/socket", "newfstatat:/etc/nsswitch.conf", "openat:/etc/nsswitch.conf", "openat:/etc/hosts"])
        XCTAssertEqual(w.calls[3], NamedCall(call: "openat", name: "/etc/hosts"), "typed: the call and the path it named")
        XCTAssertEqual(TourEvidence.brief(w.calls), "/etc/nsswitch.conf, /etc/hosts")
        XCTAssertEqual(TourEvidence.resolutionHighlights(w.records).map(\.name), ["socket", "connect", "openat", "openat", "read"])
        // Reports prints the shown records as strace lines.
        XCTAssertEqual(TourEvidence.quoted([resolution[5]]).map(\.rendered), [#"openat(AT_FDCWD, "/etc/hosts", O_RDONLY|O_CLOEXEC) = 3"#])
        // A numeric address: no resolution at all.
        XCTAssertTrue(TourEvidence.resolutionWindow(Array(resolution.suffix(2))).records.isEmpty)
    }

    // MARK: typed excerpts of funccount, trace -K and graph

    static func hit(_ pid: UInt32, _ target: String, _ frames: [String]) -> TraceHit {
        TraceHit(ns: 1, target: target, targetIsTracepoint: target.contains(":"), tgid: pid, tid: pid, comm: "kpath",
                 phase: .connect, softirq: false, frames: frames, addresses: frames.map { _ in 0 })
    }

    /// `kpath funccount 'tcp_*' -- kpath echo client --proto tcp ... --count 1` (6.12), trimmed: ascending as funccount prints it.
    let counts = [FunctionCount(function: "tcp_connect", count: 1), FunctionCount(function: "tcp_finish_connect", count: 1),
                  FunctionCount(function: "tcp_v4_connect", count: 1), FunctionCount(function: "tcp_rcv_established", count: 3),
                  FunctionCount(function: "tcp_poll", count: 12), FunctionCount(function: "tcp_stream_memory_free", count: 14)]

    func testFunccountExcerptKeepsTheArticlesFunctionsAndTheHottest() {
        let e = TourEvidence.funccountExcerpt(counts, 4)
        XCTAssertEqual(e.article.map(\.function), ["tcp_connect", "tcp_v4_connect"], "the article's functions, in the table's order")
        XCTAssertEqual(e.hottest.map(\.function), ["tcp_poll", "tcp_stream_memory_free"], "then the hottest others, up to 4 rows")
        XCTAssertEqual(e.functions, 6)
        XCTAssertEqual(e.calls, 32)
        // Printed by funccount's own table renderer: its header and rows.
        let table = FunccountTable.render(counts).split(separator: "\n").map(String.init)
        XCTAssertEqual(TourExcerpt.funccount(e).rendered,
                       [table[0], table[1], table[3], "…", table[5], table[6], "(6 functions, 32 calls in all)"])
        XCTAssertEqual(TourExcerpt.funccount(e).rendered[2], "tcp_v4_connect                              1")
        // Article rows beyond n are all kept; none hottest then.
        XCTAssertEqual(TourEvidence.funccountExcerpt(counts, 1).hottest, [])
        XCTAssertEqual(TourEvidence.funccountExcerpt(counts, 1).article.count, 2)
        XCTAssertEqual(TourEvidence.funccountExcerpt([], 8), FunccountExcerpt(article: [], hottest: [], functions: 0, calls: 0))
    }

    func testFirstHitThroughAFunction() {
        let hits = [Self.hit(28761, "sock:sock_recv_length", ["sock_recvmsg+0x7c", "sock_read_iter+0x90"]),
                    Self.hit(28696, "net:net_dev_queue", ["__dev_queue_xmit+0x486", "ip_send_skb+0x91", "udp_send_skb+0x1a7 [udp]", "udp_sendmsg+0x9e6"])]
        let p = TourEvidence.firstHit(hits, through: ["udp_sendmsg"])
        XCTAssertEqual(p?.index, 1, "frames compared by name: offset and module left off")
        XCTAssertEqual(TourEvidence.firstHit(hits, through: ["udp_send_skb"])?.index, 1)
        XCTAssertEqual(TourEvidence.firstHit(hits, through: ["tcp_connect"])?.index, 0, "none through it: the first hit")
        XCTAssertEqual(TourEvidence.firstHit(hits, through: ["sock_read"])?.index, 0, "a name, not a part of one")
        XCTAssertNil(TourEvidence.firstHit([], through: ["udp_sendmsg"]))
        XCTAssertTrue(TourEvidence.passes(hits[1], through: ["ip_send_skb"]))
        XCTAssertFalse(TourEvidence.passes(hits[0], through: ["udp_sendmsg"]), "the fallback hit does not pass through it")
        // Printed as trace -K prints it: the header, then the hit's block.
        let lines = TourExcerpt.hit(p?.hit).rendered
        XCTAssertEqual(lines, [TraceReport.header] + TraceReport.block(hits[1], kernelStack: true).split(separator: "\n").map(String.init))
        XCTAssertEqual(lines[1], "28696   28696   kpath           net:net_dev_queue")
        XCTAssertEqual(lines.last, "        udp_sendmsg+0x9e6")
        XCTAssertEqual(TourExcerpt.hit(nil).rendered, ["(no hit while tracing)"])
    }

    func testFirstTreeAsGraphPrintsIt() {
        let leaf = { (f: String, t: UInt64) in CallNode(function: f, startNs: t, durationNs: 400) }
        let connect = SyscallTree(tgid: 7, tid: 7, nr: 42, name: "connect", startNs: 0, durationNs: 90_000, ret: 0, calls: [
            CallNode(function: "__sys_connect", startNs: 10, durationNs: 80_000, children: [
                CallNode(function: "tcp_v4_connect", startNs: 20, durationNs: 70_000, children: (0..<40).map { leaf("tcp_fn_\($0)", 30 + UInt64($0)) }),
            ]),
        ], lost: 0)
        let empty = SyscallTree(tgid: 7, tid: 7, nr: 42, name: "connect", startNs: 0, durationNs: 100, ret: 0, calls: [], lost: 0)
        let socket = SyscallTree(tgid: 7, tid: 7, nr: 41, name: "socket", startNs: 0, durationNs: 100, ret: 3, calls: [leaf("sock_create", 1)], lost: 0)
        XCTAssertEqual(TourEvidence.firstTree([socket, empty, connect], syscall: "connect"), connect, "the first connect that ran traced functions")
        XCTAssertEqual(TourEvidence.firstTree([socket, empty], syscall: "connect"), empty)
        XCTAssertNil(TourEvidence.firstTree([socket], syscall: "connect"))
        // graph's own renderer, at the depth shown, capped to the step's lines.
        let graph = GraphReport.renderTree(connect, pruning: .init(depth: 7)).split(separator: "\n").map(String.init)
        let lines = TourExcerpt.callTree(connect, depth: 7, lines: 10).rendered
        XCTAssertEqual(Array(lines.prefix(10)), Array(graph.prefix(10)))
        XCTAssertEqual(lines.last, "… (\(graph.count - 10) more)")
        XCTAssertTrue(lines[0].hasPrefix("connect() = 0 <0.000090>"), lines[0])
        XCTAssertTrue(lines.contains { $0.hasSuffix("tcp_v4_connect() {") }, "\(lines)")
        let shallow = TourExcerpt.callTree(connect, depth: 2, lines: 30).rendered
        XCTAssertTrue(shallow.contains { $0.contains("tcp_v4_connect() { ... 40 calls hidden }") }, "\(shallow)")
        XCTAssertEqual(TourExcerpt.callTree(nil, depth: 7, lines: 30).rendered, ["(no call tree: the syscall ran no traced function)"])
    }

    /// In JSON a command's `lines` are strings, as printed; only Reports' encoder can print typed excerpts.
    func testExcerptJSONHoldsThePrintedLines() throws {
        let run = TourCommandRun(display: "sudo kpath funccount 'tcp_*' -- kpath echo client", exitStatus: 0,
                                 excerpt: .funccount(TourEvidence.funccountExcerpt(counts, 4)))
        let json = try JSONReport.encode(run)
        let doc = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        XCTAssertEqual(doc?["lines"] as? [String], run.excerpt.rendered)
        XCTAssertEqual(Set(doc?.keys.map { $0 } ?? []), ["display", "exitStatus", "lines"], "the same keys as before")
        let back = try JSONDecoder().decode(TourCommandRun.self, from: Data(json.utf8))
        XCTAssertEqual(back.excerpt.rendered, run.excerpt.rendered, "a saved tour loads its lines back as text")
        XCTAssertThrowsError(try JSONEncoder().encode(run), "no made-up text without Reports' renderer")
    }

    func testUdpServerClaim() {
        let udp = [Self.rec("recvfrom", [3, 0x1000, 65536, 0, 0x2000, 0x3000], 5, addr: Self.sin(40000)),
                   Self.rec("sendto", [3, 0x1000, 5, 0, 0x2000, 16], 5, addr: Self.sin(40000))]
        let tcp = [Self.rec("accept4", [3, 0x2000, 0x3000, 0o2000000], 4, addr: Self.sin(40002)), Self.rec("read", [4, 0x1000, 65536], 5)]
        let c = TourEvidence.udpServerClaim(udp: udp, tcp: tcp)
        XCTAssertEqual(c.status, .held)
        XCTAssertEqual(c.evidence, "recvfrom returned 5 bytes from 127.0.0.1:40000; the next sendto went to 127.0.0.1:40000; no listen or accept (the TCP server called accept4 for each connection)")
        XCTAssertEqual(TourEvidence.udpServerClaim(udp: [udp[1]] + udp, tcp: tcp).status, .held, "a reply to an earlier datagram first")
        XCTAssertEqual(TourEvidence.udpServerClaim(udp: [tcp[0]] + udp, tcp: tcp).status, .notHeld)
        XCTAssertEqual(TourEvidence.udpServerClaim(udp: [], tcp: tcp).status, .unknown)
        // A sendto to another peer answers nothing: not held, quoting the calls.
        let other = [udp[0], Self.rec("sendto", [3, 0x1000, 5, 0, 0x2000, 16], 5, addr: Self.sin(40001))]
        let no = TourEvidence.udpServerClaim(udp: other, tcp: tcp)
        XCTAssertEqual(no.status, .notHeld)
        XCTAssertTrue(no.evidence.rendered.contains("sin_port=htons(40001)"), no.evidence.rendered)
    }

    func testDeadlineFromItsConnectOn() {
        let calls = [Self.rec("read", [3, 0x1000, 832], 832), Self.rec("connect", [3, 0x2000, 16], 0, addr: Self.sin(40001)),
                     Self.rec("setsockopt", [3, 1, 20, 0x3000, 16], 0), Self.rec("write", [3, 0x1000, 5], 5),
                     Self.rec("read", [3, 0x1000, 65536], -11)]
        let out = ["read udp 127.0.0.1:40000->127.0.0.1:40001: i/o timeout"]
        let d = TourEvidence.deadline((calls, out))
        XCTAssertEqual(d.count, 4)
        XCTAssertEqual(d[0], Evidence([.call(.record(calls[1]))]))
        XCTAssertEqual(d[2], Evidence([.call(.record(calls[4]))]))
        XCTAssertEqual(d.last?.rendered, out[0])
    }

    func testShellQuoting() {
        XCTAssertEqual(TourEvidence.shellQuote("tcp_*"), "'tcp_*'")
        XCTAssertEqual(TourEvidence.shellQuote("127.0.0.1:80"), "127.0.0.1:80")
        XCTAssertEqual(TourEvidence.shellQuote("it's"), "'it'\\''s'")
        XCTAssertEqual(TourEvidence.shellQuote(""), "''")
    }

    func testTextFitsEightyColumns() {
        let step = TourStep(section: "dialing", number: 2, title: TourSection.dialing.title, explanation: TourSection.dialing.explanation,
                            commands: [TourCommandRun(display: "sudo kpath funccount 'tcp_*' -- kpath echo client --proto tcp --to 127.0.0.1:40000 --count 1",
                                                      exitStatus: 0, lines: ["FUNC                                    COUNT",
                                                                             Evidence(String(repeating: "x", count: 120))])],
                            evidence: ["TCP connect(2): 40 functions"], claims: [Claim(id: "tcp-connect-transmits", title: Claims.titles[4].1, status: .held,
                                                                                   evidence: String(repeating: "evidence ", count: 30))],
                            cannotShow: "counting calls needs kprobes")
        let text = TourReport.step(step, of: 6, style: .init(color: false))
        for line in text.split(separator: "\n") { XCTAssertLessThanOrEqual(line.count, 80, String(line)) }
        XCTAssertTrue(text.contains("== 2/6  TCP dialing vs UDP dialing =="))
        XCTAssertTrue(text.contains("  $ sudo kpath funccount 'tcp_*' -- kpath echo client --proto tcp --to \\"), text)
        XCTAssertTrue(text.contains("[held    ] tcp-connect-transmits"))
        XCTAssertTrue(text.contains("Not on this kernel: counting calls needs kprobes"))
        XCTAssertFalse(text.contains("\u{1b}["), "no colour unless asked")
        XCTAssertTrue(TourReport.step(step, of: 6, style: .init(color: true)).contains("\u{1b}[32m"))
    }
}
