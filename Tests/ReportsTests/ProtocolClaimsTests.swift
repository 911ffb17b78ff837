import XCTest
@testable import Reports
@testable import Sessions

/// The claims for the protocols beyond tcp/udp (Sessions/ProtocolClaims.swift),
/// judged from typed values; and the text report with N protocol columns.
final class ProtocolClaimsTests: XCTestCase {
    private func hits(_ f: String) -> FunctionHits { FunctionHits(function: f, calls: 5, perDial: 1, inInterrupt: 0) }

    private func run(_ proto: Proto, connect: [String], packets: [DialPacket] = [], stacks: [StackSample] = []) -> ProtocolRun {
        ProtocolRun(proto: proto, dials: 5, serverPort: proto.isUnix ? 0 : 7000, clientPID: 10, serverPID: 11, clientExit: 0,
                    functionsAttached: 100, functionsSkipped: 0,
                    phases: [PhaseFunctions(phase: .connect, functions: connect.map(hits))],
                    functionsOnStacks: [], packets: packets, stacks: stacks,
                    syscalls: [], syscallNames: Array(repeating: "connect", count: 5), clientOutput: [], seconds: 1)
    }

    private func packet(_ moment: PacketMoment) -> DialPacket {
        DialPacket(dial: 1, phase: moment, sender: .client, task: "client", inInterrupt: false, source: "127.0.0.1:1",
                   destination: "127.0.0.1:2", flags: "SYN", length: 60, nsSinceStart: 0, stack: [])
    }

    private func claim(_ id: String, _ runs: [ProtocolRun], mode: CompareMode = .functions) -> Claim? {
        ProtocolClaims.judge(runs: runs, mode: mode).first { $0.id == id }
    }

    func testUnixConnect() throws {
        let held = try XCTUnwrap(claim("unix-connect-no-packet", [run(.tcp, connect: ["tcp_v4_connect"]), run(.unix, connect: ["__sys_connect", "unix_stream_connect"])]))
        XCTAssertEqual(held.status, .held, held.evidence.rendered)
        XCTAssertTrue(held.evidence.rendered.contains("0 tcp_* functions among the 2"), held.evidence.rendered)
        let tcpRan = try XCTUnwrap(claim("unix-connect-no-packet", [run(.unix, connect: ["unix_stream_connect", "tcp_connect"])]))
        XCTAssertEqual(tcpRan.status, .notHeld)
        let sent = try XCTUnwrap(claim("unix-connect-no-packet", [run(.unix, connect: ["unix_stream_connect"], packets: [packet(.during(.connect))])]))
        XCTAssertEqual(sent.status, .notHeld)
        // A packet in write does not count against connect.
        XCTAssertEqual(claim("unix-connect-no-packet", [run(.unix, connect: ["unix_stream_connect"], packets: [packet(.during(.send))])])?.status, .held)
        // Tracepoint mode cannot see functions: unknown, with the packet count.
        let tp = try XCTUnwrap(claim("unix-connect-no-packet", [run(.unix, connect: [])], mode: .tracepoints))
        XCTAssertEqual(tp.status, .unknown)
        XCTAssertTrue(tp.evidence.rendered.hasPrefix("0 packets"), tp.evidence.rendered)
        // Only judged when unix was compared.
        XCTAssertNil(claim("unix-connect-no-packet", [run(.tcp, connect: []), run(.udp, connect: [])]))
        XCTAssertNil(claim("unix-connect-no-packet", [run(.unixgram, connect: ["unix_dgram_connect"])]))
    }

    func testTCP6ConnectPath() throws {
        let held = try XCTUnwrap(claim("tcp6-connect-path", [run(.tcp6, connect: ["tcp_v6_connect", "tcp_connect", "__tcp_transmit_skb"])]))
        XCTAssertEqual(held.status, .held, held.evidence.rendered)
        XCTAssertEqual(claim("tcp6-connect-path", [run(.tcp6, connect: ["tcp_v6_connect"])])?.status, .notHeld)
        XCTAssertEqual(claim("tcp6-connect-path", [run(.tcp6, connect: ["tcp_v6_connect", "tcp_connect", "tcp_v4_connect"])])?.status, .notHeld)
        // Tracepoint mode: the SYN's stack inside connect, innermost first.
        let stack = StackSample(target: "net:net_dev_queue", role: .client, phase: .connect, inInterrupt: false, count: 1, firstNs: 0,
                                frames: [], functions: ["__dev_queue_xmit", "ip6_xmit", "__tcp_transmit_skb", "tcp_connect", "tcp_v6_connect", "__sys_connect"])
        let tp = try XCTUnwrap(claim("tcp6-connect-path", [run(.tcp6, connect: [], stacks: [stack])], mode: .tracepoints))
        XCTAssertEqual(tp.status, .held, tp.evidence.rendered)
        XCTAssertEqual(tp.evidence.rendered, "at net:net_dev_queue inside connect: tcp_connect <- tcp_v6_connect")
        XCTAssertEqual(claim("tcp6-connect-path", [run(.tcp6, connect: [])], mode: .tracepoints)?.status, .unknown)
        XCTAssertNil(claim("tcp6-connect-path", [run(.tcp, connect: ["tcp_v4_connect"])]))
    }

    /// Three protocols: three column pairs, only-in per protocol, "some" for shared by two.
    func testTextReportHasAColumnPairPerProtocol() {
        let runs = [run(.tcp, connect: ["__sys_connect", "tcp_v4_connect", "tcp_connect"]),
                    run(.tcp6, connect: ["__sys_connect", "tcp_v6_connect", "tcp_connect"]),
                    run(.unix, connect: ["__sys_connect", "unix_stream_connect"])]
        let r = CompareResult(kernel: "6.12.0", backend: .kprobeMulti, mode: .functions, modeReason: nil, dials: 5, side: .client,
                              patterns: ["tcp_*"], command: "kpath compare tcp tcp6 unix", seconds: 1, runs: runs,
                              claims: ProtocolClaims.judge(runs: runs, mode: .functions))
        let text = CompareReport.render(r, width: 200)  // (the heading is 84 columns: wide enough not to wrap)
        XCTAssertTrue(text.contains("SYSCALL  TCP funcs  calls/dial  TCP6 funcs  calls/dial  UNIX funcs  calls/dial"), text)
        XCTAssertTrue(text.contains("connect  3          3.00        3           3.00        2           2.00"), text)
        XCTAssertTrue(text.contains("== connect(2): functions only in TCP, only in TCP6, only in UNIX, in all, in some =="), text)
        XCTAssertTrue(text.contains("only UNIX (1)   unix_stream_connect 1.00"), text)
        XCTAssertTrue(text.contains("all (1)         __sys_connect 1.00"), text)
        XCTAssertTrue(text.contains("some (1)        tcp_connect (tcp,tcp6)"), text)
        XCTAssertTrue(text.contains("== UNIX packets ==\n  none: a Unix socket"), text)
        XCTAssertTrue(text.contains("== Claims =="), text)
        XCTAssertTrue(text.contains("2 of 2 claims held"), text)
    }

    /// The HTML page: a column pair per protocol, only-in per protocol, "no packets" for Unix.
    func testHTMLHasAColumnPairPerProtocol() {
        let runs = [run(.tcp, connect: ["__sys_connect", "tcp_v4_connect"]), run(.tcp6, connect: ["__sys_connect", "tcp_v6_connect"]),
                    run(.unix, connect: ["__sys_connect", "unix_stream_connect"])]
        let r = CompareResult(kernel: "6.12.0", backend: .kprobeMulti, mode: .functions, modeReason: nil, dials: 5, side: .client,
                              patterns: ["tcp_*"], command: "kpath compare tcp tcp6 unix", seconds: 1, runs: runs,
                              claims: ProtocolClaims.judge(runs: runs, mode: .functions))
        let html = HTMLReport.compare(r)
        for header in ["TCP functions", "TCP6 functions", "UNIX functions", "only TCP6", "only UNIX", "all (TCP"] {
            XCTAssertTrue(html.contains(header), header)
        }
        XCTAssertTrue(html.contains("Functions only in TCP, only in TCP6, only in UNIX, in all"))
        XCTAssertTrue(html.contains("UNIX: no packets"))
        XCTAssertTrue(html.contains("unix-connect-no-packet") && html.contains("tcp6-connect-path"))
        XCTAssertFalse(html.contains("The article's claims") || html.contains("The article&#39;s claims") || html.contains("The article&#x27;s claims"))
    }
}
