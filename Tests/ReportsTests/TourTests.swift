// The tour's evidence pickers and its 80-column text, on outputs captured
// from real kpath runs (host 6.18 and the 6.12 VM).
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
        XCTAssertEqual(w.calls, ["connect:/var/run/nscd/socket", "newfstatat:/etc/nsswitch.conf", "openat:/etc/nsswitch.conf", "openat:/etc/hosts"])
        XCTAssertEqual(TourEvidence.brief(w.calls), "/etc/nsswitch.conf, /etc/hosts")
        XCTAssertEqual(TourEvidence.resolutionHighlights(w.records).map(\.name), ["socket", "connect", "openat", "openat", "read"])
        // Reports prints the shown records as strace lines.
        XCTAssertEqual(TourEvidence.quoted([resolution[5]]).map(\.rendered), [#"openat(AT_FDCWD, "/etc/hosts", O_RDONLY|O_CLOEXEC) = 3"#])
        // A numeric address: no resolution at all.
        XCTAssertTrue(TourEvidence.resolutionWindow(Array(resolution.suffix(2))).records.isEmpty)
    }

    /// `kpath trace -K t:net:net_dev_queue -- ...` on the host.
    let trace = """
    Tracing 1 tracepoint for "t:net:net_dev_queue"... Hit Ctrl-C to end.
    PID     TID     COMM            FUNC
    packet-written: bytes=5
    28761   28761   kpath           skb:skb_copy_datagram_iovec
            skb_copy_datagram_iter+0x8b
            unix_stream_read_actor+0x1a
    28696   28696   kpath           net:net_dev_queue
            __dev_queue_xmit+0x486
            ip_send_skb+0x91
            udp_send_skb+0x1a7
            udp_sendmsg+0x9e6
    Detaching...
    """.split(separator: "\n").map(String.init)

    func testFirstBlockPicksTheHitWithTheFrame() {
        let b = TourEvidence.firstBlock(trace, containing: "udp_sendmsg")!
        XCTAssertEqual(b.first, "PID     TID     COMM            FUNC")
        XCTAssertEqual(b[1], "28696   28696   kpath           net:net_dev_queue")
        XCTAssertEqual(b.last, "        udp_sendmsg+0x9e6")
        XCTAssertEqual(TourEvidence.firstBlock(trace)![1], "28761   28761   kpath           skb:skb_copy_datagram_iovec")
        XCTAssertNil(TourEvidence.firstBlock(trace, containing: "tcp_connect"))
        XCTAssertNil(TourEvidence.firstBlock(["Tracing...", "Detaching..."]))
    }

    func testFunccountTopKeepsTheArticlesFunctionsAndTotals() {
        let out = ["Tracing 388 functions for \"tcp_*\"... Hit Ctrl-C to end.", "FUNC                                    COUNT",
                   "tcp_v4_connect                              1", "tcp_connect                                 1",
                   "tcp_rcv_established                         3", "tcp_poll                                   12", "Detaching..."]
        let top = TourEvidence.funccountTop(out, 3)
        XCTAssertEqual(top.first, out[1])
        XCTAssertTrue(top.contains(out[2]) && top.contains(out[3]))
        XCTAssertEqual(top.last, "(4 functions, 17 calls in all)")
        XCTAssertTrue(top.contains(out[5]), "the hottest row is kept")
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
