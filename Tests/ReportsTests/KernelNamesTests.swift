import XCTest
@testable import Reports
@testable import Sessions

/// The article's functions by role (Sessions/KernelNames.swift) and the claims
/// that use them: a claim holds on whichever kernel's name plays the part.
final class KernelNamesTests: XCTestCase {
    func testKernelLineFromRelease() {
        XCTAssertEqual(KernelLine(release: "5.10.0-46-amd64"), .v5_10)
        XCTAssertEqual(KernelLine(release: "6.1.0-57-amd64"), .v6_1)
        XCTAssertEqual(KernelLine(release: "6.12.118+deb13-amd64"), .v6_12)
        XCTAssertEqual(KernelLine(release: "7.3.4+deb13-amd64"), .v7_3)
        XCTAssertEqual(KernelLine(release: "4.15.0-20-generic"), .v4)
        XCTAssertNil(KernelLine(release: "6.6.0"), "a kernel between the lines has none")
        XCTAssertNil(KernelLine(release: "garbage"))
        XCTAssertTrue(KernelLine.v5_10 < .v7_3)
    }

    func testEveryRoleHasNamesOnEveryLine() {
        for r in FunctionRole.allCases {
            for k in KernelLine.allCases {
                XCTAssertFalse(r.names(on: k).isEmpty, "\(r) on \(k)")
            }
        }
    }

    func testArticleNamesAndSuccessors() {
        XCTAssertEqual(FunctionRole.tcpTransmit.article, "tcp_transmit_skb")
        XCTAssertEqual(FunctionRole.tcpTransmit.names(on: .v6_12), ["__tcp_transmit_skb"])
        XCTAssertEqual(FunctionRole.connectSyscall.article, "SYSC_connect")
        XCTAssertEqual(FunctionRole.connectSyscall.names(on: .v5_10).first, "__sys_connect")
        XCTAssertEqual(FunctionRole.sockRecvmsg.article, "inet_rcvmsg")
        XCTAssertEqual(FunctionRole.udpConnect.names(on: .v6_12).first, "ip4_datagram_connect")
        XCTAssertEqual(Array(FunctionRole.udpConnect.names(on: .v7_3).prefix(2)), ["udp_connect", "__ip4_datagram_connect"])
        XCTAssertFalse(FunctionRole.udpConnect.names(on: .v7_3).contains("ip4_datagram_connect"))
        // an unknown kernel accepts every line's names, the newest first
        XCTAssertEqual(FunctionRole.udpConnect.allNames.first, "udp_connect")
        XCTAssertTrue(FunctionRole.udpConnect.allNames.contains("ip4_datagram_connect"))
    }

    func testFoundPrefersThisKernelsName() {
        let fns = ["inet_dgram_connect", "ip4_datagram_connect", "udp_connect"]
        XCTAssertEqual(FunctionRole.udpConnect.found(in: fns, on: .v6_12), "ip4_datagram_connect")
        XCTAssertEqual(FunctionRole.udpConnect.found(in: fns, on: .v7_3), "udp_connect")
        XCTAssertNil(FunctionRole.udpConnect.found(in: ["inet_dgram_connect"], on: .v7_3))
        XCTAssertEqual(FunctionRole.udpConnect.described("udp_connect"), "udp_connect (the article's ip4_datagram_connect)")
        XCTAssertEqual(FunctionRole.udpConnect.described("ip4_datagram_connect"), "ip4_datagram_connect")
        XCTAssertEqual(FunctionRole.udpSendmsg.described("udp_send_skb"), "udp_send_skb", "the article's kernel had it too")
        XCTAssertEqual(FunctionRole.readSyscall.described("ksys_read"), "ksys_read (the article's SYSC_read)")
    }

    func testChainByRoleNamesWhatItFound() {
        let stack = ["__tcp_transmit_skb", "tcp_connect", "tcp_v4_connect", "__inet_stream_connect", "__sys_connect"]
        XCTAssertEqual(Claims.chain(stack, [.tcpTransmit, .tcpConnect, .tcpV4Connect, .connectSyscall]),
                       ["__tcp_transmit_skb", "tcp_connect", "tcp_v4_connect", "__sys_connect"])
        XCTAssertNil(Claims.chain(Array(stack.reversed()), [.tcpTransmit, .tcpConnect]), "outer before inner is no chain")
        let read = ["__skb_recv_udp", "udp_recvmsg", "inet_recvmsg", "sock_recvmsg", "sock_read_iter", "vfs_read", "ksys_read"]
        XCTAssertEqual(Claims.chain(read, [.udpDequeue, .udpRecvmsg, .sockRecvmsg, .readSyscall]),
                       ["__skb_recv_udp", "udp_recvmsg", "inet_recvmsg", "vfs_read"], "the syscall half is the VFS, not the socket's read_iter")
        XCTAssertEqual(Claims.chain(["tcp_transmit_skb", "tcp_connect"], [.tcpTransmit, .tcpConnect]),
                       ["tcp_transmit_skb", "tcp_connect"], "the article's own name still counts")
    }

    // MARK: udp-connect-no-transmit, judged on 6.12's and on 7.3's path

    private func hits(_ f: String) -> FunctionHits { FunctionHits(function: f, calls: 5, perDial: 1, inInterrupt: 0) }

    private func run(_ proto: Proto, connect: [String]) -> ProtocolRun {
        ProtocolRun(proto: proto, dials: 5, serverPort: 7000, clientPID: 10, serverPID: 11, clientExit: 0,
                    functionsAttached: 100, functionsSkipped: 0,
                    phases: [PhaseFunctions(phase: .connect, functions: connect.map(hits))],
                    functionsOnStacks: [], packets: [], stacks: [],
                    syscalls: [], syscallNames: Array(repeating: "connect", count: 5), clientOutput: [], seconds: 1)
    }

    private func udpConnectClaim(_ connect: [String], kernel: KernelLine?) -> Claim {
        let claims = Claims.judge(tcp: run(.tcp, connect: ["tcp_v4_connect"]), udp: run(.udp, connect: connect),
                                  mode: .functions, deadline: nil, kernel: kernel)
        return claims.first { $0.id == "udp-connect-no-transmit" }!
    }

    func testUDPConnectHeldOn612ByIp4DatagramConnect() {
        let c = udpConnectClaim(["inet_dgram_connect", "ip4_datagram_connect", "__ip4_datagram_connect"], kernel: .v6_12)
        XCTAssertEqual(c.status, .held)
        XCTAssertTrue(c.evidence.rendered.contains("ip4_datagram_connect ran 1.00 per dial"), c.evidence.rendered)
    }

    func testUDPConnectHeldOn73ByUdpConnect() {
        let c = udpConnectClaim(["inet_dgram_connect", "udp_connect", "udp_lib_get_port"], kernel: .v7_3)
        XCTAssertEqual(c.status, .held)
        XCTAssertTrue(c.evidence.rendered.contains("udp_connect (the article's ip4_datagram_connect) ran 1.00 per dial"), c.evidence.rendered)
    }

    func testUDPConnectHeldOnAnUnknownKernelByAnyLinesName() {
        XCTAssertEqual(udpConnectClaim(["udp_connect"], kernel: nil).status, .held)
    }

    func testUDPConnectNotHeldWithoutAnyRecordingFunction() {
        let c = udpConnectClaim(["inet_dgram_connect", "udp_lib_get_port"], kernel: .v7_3)
        XCTAssertEqual(c.status, .notHeld)
        XCTAssertTrue(c.evidence.rendered.contains("udp_connect, __ip4_datagram_connect"), c.evidence.rendered)
    }
}

/// docs/kernels.md shows the same table the claims use.
final class KernelNamesDocTests: XCTestCase {
    func testDocsShowTheTable() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/kernels.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        XCTAssertTrue(text.contains(FunctionRole.markdownTable()), "docs/kernels.md lacks FunctionRole.markdownTable(); paste it in:\n" + FunctionRole.markdownTable())
    }
}
