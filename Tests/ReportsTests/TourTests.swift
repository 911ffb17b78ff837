// The tour's evidence pickers and its 80-column text, on outputs captured
// from real kpath runs (host 6.18 and the 6.12 VM).
import XCTest
@testable import Reports
@testable import Sessions

final class TourTests: XCTestCase {
    /// `kpath syscalls -e all -- kpath echo client --proto udp --to localhost:9123 --count 1`, trimmed (host).
    let resolution = """
    openat(AT_FDCWD, "/sys/devices/system/cpu/possible", O_RDONLY|O_CLOEXEC) = 3
    [pid 22937] socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK, 0) = 3
    [pid 22937] connect(3, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT (No such file or directory)
    [pid 22937] newfstatat(AT_FDCWD, "/etc/nsswitch.conf", 0x7fff2ebed7b0, 0) = 0
    [pid 22937] openat(AT_FDCWD, "/etc/nsswitch.conf", O_RDONLY|O_CLOEXEC) = 3
    [pid 22937] openat(AT_FDCWD, "/etc/hosts", O_RDONLY|O_CLOEXEC) = 3
    [pid 22937] read(3, "127.0.0.1 localhost\\n127.0.0.1 ru"..., 4096) = 49
    [pid 22937] close(3)                    = 0
    packet-written: bytes=5
    [pid 22937] socket(AF_INET, SOCK_DGRAM|SOCK_CLOEXEC, IPPROTO_IP) = 3
    [pid 22937] connect(3, {sa_family=AF_INET, sin_port=htons(9123), sin_addr=inet_addr("127.0.0.1")}, 16) = 0
    """.split(separator: "\n").map(String.init)

    func testResolutionWindowStartsAtNscdAndEndsAtTheInetSocket() {
        let w = TourEvidence.resolutionWindow(resolution)
        XCTAssertEqual(w.lines.first, "socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK, 0) = 3")
        XCTAssertEqual(w.lines.last, "close(3)                    = 0")
        XCTAssertEqual(w.calls, ["connect:/var/run/nscd/socket", "newfstatat:/etc/nsswitch.conf", "openat:/etc/nsswitch.conf", "openat:/etc/hosts"])
        XCTAssertEqual(TourEvidence.brief(w.calls), "/etc/nsswitch.conf, /etc/hosts")
        // A numeric address: no resolution at all.
        XCTAssertTrue(TourEvidence.resolutionWindow(Array(resolution.suffix(2))).lines.isEmpty)
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
        let udp = ["recvfrom(3, \"hello\", 65536, 0, {sa_family=AF_INET, sin_port=htons(40000), sin_addr=inet_addr(\"127.0.0.1\")}, [16]) = 5",
                   "sendto(3, \"hello\", 5, 0, {sa_family=AF_INET, sin_port=htons(40000), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 5"]
        let tcp = ["accept4(3, {sa_family=AF_INET, sin_port=htons(40002), sin_addr=inet_addr(\"127.0.0.1\")}, [16], SOCK_CLOEXEC) = 4", "read(4, \"hello\", 65536) = 5"]
        let c = TourEvidence.udpServerClaim(udp: udp, tcp: tcp)
        XCTAssertEqual(c.status, .held)
        XCTAssertEqual(c.evidence, "recvfrom returned 5 bytes from 127.0.0.1:40000; the next sendto went to 127.0.0.1:40000; no listen or accept (the TCP server called accept4 for each connection)")
        XCTAssertEqual(TourEvidence.udpServerClaim(udp: [udp[1]] + udp, tcp: tcp).status, .held, "a reply to an earlier datagram first")
        XCTAssertEqual(TourEvidence.udpServerClaim(udp: ["accept4(3, ...) = 4"] + udp, tcp: tcp).status, .notHeld)
        XCTAssertEqual(TourEvidence.udpServerClaim(udp: [], tcp: tcp).status, .unknown)
    }

    func testSyscallLinesAndDeadline() {
        let out = ["kpath: Process 12 attached", "[pid 12] setsockopt(3, SOL_SOCKET, SO_RCVTIMEO, {tv_sec=1, tv_usec=0}, 16) = 0",
                   "[pid 12] read(3, 0x7f00, 65536) = -1 EAGAIN (Resource temporarily unavailable)",
                   "read udp 127.0.0.1:40000->127.0.0.1:40001: i/o timeout", "+++ exited with 1 +++"]
        XCTAssertEqual(TourEvidence.syscallLines(out).count, 2)
        XCTAssertEqual(TourEvidence.deadlineLines(out).last, "read udp 127.0.0.1:40000->127.0.0.1:40001: i/o timeout")
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
                                                                             String(repeating: "x", count: 120)])],
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
