import XCTest
@testable import Sessions

/// The claims of the new protocol pairs (Sessions/PairClaims.swift): judged
/// only when both protocols of the pair ran, from typed values.
final class PairClaimsTests: XCTestCase {
    private func hits(_ f: String) -> FunctionHits { FunctionHits(function: f, calls: 2, perDial: 1, inInterrupt: 0) }

    private func run(_ p: Proto, connect: [String] = [], send: [String] = [], packets: [DialPacket] = []) -> ProtocolRun {
        ProtocolRun(proto: p, dials: 2, serverPort: p.isUnix ? 0 : 7000, clientPID: 10, serverPID: 11, clientExit: 0,
                    functionsAttached: 100, functionsSkipped: 0,
                    phases: [PhaseFunctions(phase: .connect, functions: connect.map(hits)), PhaseFunctions(phase: .send, functions: send.map(hits))],
                    functionsOnStacks: [], packets: packets, stacks: [], syscalls: [], syscallNames: [], clientOutput: [], seconds: 1)
    }

    private func packet(_ m: PacketMoment) -> DialPacket {
        DialPacket(dial: 1, phase: m, sender: .client, task: "client", inInterrupt: false, source: "127.0.0.1:1",
                   destination: "127.0.0.1:2", flags: "-", length: 33, nsSinceStart: 0, stack: [])
    }

    private let udp = ["ip4_datagram_connect", "udp_v4_get_port"]
    private let udp6 = ["ip6_datagram_connect", "ip6_dst_lookup_flow", "udp_v6_get_port"]

    private func claim(_ id: String, _ runs: [ProtocolRun], mode: CompareMode = .functions) -> Claim? {
        PairClaims.judge(runs: runs, mode: mode).first { $0.id == id }
    }

    func testUDP6Connect() throws {
        let held = try XCTUnwrap(claim("udp6-connect-no-transmit", [run(.udp, connect: udp), run(.udp6, connect: udp6)]))
        XCTAssertEqual(held.status, .held, held.evidence.rendered)
        XCTAssertTrue(held.evidence.rendered.contains("UDP 0, UDP6 0; UDP's connect: ip4_datagram_connect 1.00/dial; UDP6's: ip6_datagram_connect 1.00/dial, ip6_dst_lookup_flow 1.00/dial"), held.evidence.rendered)
        // 7.x: IPv4's is udp_connect -> __ip4_datagram_connect, IPv6's __ip6_datagram_connect.
        XCTAssertEqual(claim("udp6-connect-no-transmit", [run(.udp, connect: ["udp_connect", "__ip4_datagram_connect"]),
                                                          run(.udp6, connect: ["udp_connect", "__ip6_datagram_connect", "ip6_dst_lookup_flow"])])?.status, .held)
        XCTAssertEqual(claim("udp6-connect-no-transmit", [run(.udp, connect: udp), run(.udp6, connect: udp6 + ["ip4_datagram_connect"])])?.status, .notHeld)
        XCTAssertEqual(claim("udp6-connect-no-transmit", [run(.udp, connect: udp), run(.udp6, connect: ["ip6_datagram_connect"])])?.status, .notHeld)
        XCTAssertEqual(claim("udp6-connect-no-transmit", [run(.udp, connect: udp), run(.udp6, connect: udp6, packets: [packet(.during(.connect))])])?.status, .notHeld)
        let tp = try XCTUnwrap(claim("udp6-connect-no-transmit", [run(.udp), run(.udp6)], mode: .tracepoints))
        XCTAssertEqual(tp.status, .unknown)
        XCTAssertTrue(tp.evidence.rendered.contains("tracepoint mode"), tp.evidence.rendered)
        // Only for the pair.
        XCTAssertNil(claim("udp6-connect-no-transmit", [run(.tcp6), run(.udp6, connect: udp6)]))
        XCTAssertNil(claim("udp6-connect-no-transmit", [run(.udp, connect: udp), run(.tcp)]))
    }

    func testUnixgramSend() throws {
        let udpRun = run(.udp, send: ["udp_sendmsg", "ip_send_skb"], packets: [packet(.during(.send))])
        let gram = run(.unixgram, send: ["unix_dgram_sendmsg", "skb_queue_tail", "sock_def_readable"])
        let held = try XCTUnwrap(claim("unixgram-send-to-peer", [udpRun, gram]))
        XCTAssertEqual(held.status, .held, held.evidence.rendered)
        XCTAssertTrue(held.evidence.rendered.contains("UNIXGRAM's write: unix_dgram_sendmsg 1.00/dial, the skb put on the peer's queue by skb_queue_tail 1.00/dial"), held.evidence.rendered)
        XCTAssertTrue(held.evidence.rendered.contains("0 ip_*/udp_* functions among 3; UDP's write: udp_sendmsg 1.00/dial, ip_send_skb 1.00/dial"), held.evidence.rendered)
        XCTAssertEqual(claim("unixgram-send-to-peer", [udpRun, run(.unixgram, send: ["unix_dgram_sendmsg", "ip_output"])])?.status, .notHeld)
        XCTAssertEqual(claim("unixgram-send-to-peer", [udpRun, run(.unixgram, send: ["unix_dgram_sendmsg"], packets: [packet(.during(.send))])])?.status, .notHeld)
        let tp = try XCTUnwrap(claim("unixgram-send-to-peer", [udpRun, run(.unixgram)], mode: .tracepoints))
        XCTAssertEqual(tp.status, .unknown)
        XCTAssertNil(claim("unixgram-send-to-peer", [run(.unix), gram]))
    }
}
