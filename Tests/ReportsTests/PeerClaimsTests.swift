import XCTest
@testable import Sessions

/// tcp-connect-waits-rtt (Sessions/PeerClaims.swift), judged from syscall records' enter/exit times.
final class PeerClaimsTests: XCTestCase {
    private let ms: UInt64 = 1_000_000

    private func connects(_ durations: [UInt64], ret: Int64 = 0) -> [SyscallRecord] {
        durations.enumerated().map { i, d in
            let enter = UInt64(i + 1) * 1000 * ms
            return SyscallRecord(pid: 10, name: "connect", args: [3, 0, 16], ret: ret, enterNs: enter, exitNs: enter + d)
        }
    }

    private func judge(_ calls: [Proto: [SyscallRecord]], rtt: UInt64 = 20_000_000) -> Claim? {
        PeerClaims.judge(calls: calls, rttNs: rtt).first
    }

    func testHeldWhenTCPWaitsAndUDPDoesNot() throws {
        let c = try XCTUnwrap(judge([.tcp: connects([20 * ms + 300_000, 21 * ms]), .udp: connects([40_000, 60_000])]))
        XCTAssertEqual(c.id, "tcp-connect-waits-rtt")
        XCTAssertEqual(c.status, .held, c.evidence.rendered)
        XCTAssertTrue(c.evidence.rendered.hasPrefix("round trip 20.0 ms: tcp connect 20.3 ms-21.0 ms (2 calls), udp connect median 0.060 ms, 0.040 ms-0.060 ms (2 calls)"), c.evidence.rendered)
    }

    func testNotHeldWhenTCPReturnsEarlyOrUDPWaits() throws {
        let early = try XCTUnwrap(judge([.tcp: connects([19 * ms, 25 * ms]), .udp: connects([40_000])]))
        XCTAssertEqual(early.status, .notHeld)
        XCTAssertTrue(early.evidence.rendered.contains("a tcp connect returned before one round trip"), early.evidence.rendered)
        let slowUDP = try XCTUnwrap(judge([.tcp: connects([21 * ms]), .udp: connects([2 * ms])]))
        XCTAssertEqual(slowUDP.status, .notHeld)
        XCTAssertTrue(slowUDP.evidence.rendered.contains("udp's median connect took 10% of the round trip (2.00 ms)"), slowUDP.evidence.rendered)
        // One slow UDP connect among quick ones (an emulated VM's hiccup) does not decide it.
        XCTAssertEqual(judge([.tcp: connects([21 * ms]), .udp: connects([50_000, 7 * ms, 60_000])])?.status, .held)
    }

    func testFailedConnectsDoNotCountAndOnlyThePairIsJudged() throws {
        let none = try XCTUnwrap(judge([.tcp: connects([1 * ms], ret: -111), .udp: connects([40_000])]))
        XCTAssertEqual(none.status, .unknown)
        XCTAssertNil(judge([.tcp: connects([21 * ms]), .unix: connects([10_000])]))
        XCTAssertEqual(judge([.tcp6: connects([21 * ms]), .udp6: connects([10_000])])?.status, .held)
    }
}
