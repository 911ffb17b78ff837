import XCTest
@testable import Reports
@testable import Sessions

/// The claims that rest on the clients' syscalls judge SyscallRecords (their
/// numbers and arguments), never strace text: a line that merely reads like
/// the right call proves nothing, and the record decides.
final class SyscallClaimsTests: XCTestCase {
    private func run(_ proto: Proto, lines: [String]) -> ProtocolRun {
        ProtocolRun(proto: proto, dials: 2, serverPort: 7000, clientPID: 10, serverPID: 11, clientExit: 0,
                    functionsAttached: 0, functionsSkipped: 0, phases: [], functionsOnStacks: [], packets: [], stacks: [],
                    syscalls: lines.map { .saved($0) }, syscallNames: ["connect", "connect"], clientOutput: [], seconds: 1)
    }

    private func rec(_ name: String, _ args: [UInt64] = [], ret: Int64 = 0) -> SyscallRecord {
        SyscallRecord(pid: 10, name: name, args: args, ret: ret)
    }

    /// Two dials; between them the resolution (here an openat and a read of /etc/hosts)
    /// and the client's own output to fd 1, which does not count.
    private func dials(type: UInt64) -> [SyscallRecord] {
        [rec("socket", [2, type | 0o2000000, 0], ret: 3), rec("connect"), rec("write", [3]), rec("read", [3]), rec("close", [3]),
         rec("write", [1]), rec("openat"), rec("read", [4]), rec("close", [4]),
         rec("socket", [2, type, 0], ret: 3), rec("connect"), rec("close", [3])]
    }

    private func claim(_ id: String, tcp: [SyscallRecord], udp: [SyscallRecord], deadline: Claims.DeadlineProbe? = nil,
                       lines: [String] = []) -> Claim {
        Claims.judge(tcp: run(.tcp, lines: lines), udp: run(.udp, lines: lines), mode: .tracepoints, deadline: deadline,
                     calls: [.tcp: tcp, .udp: udp]).first { $0.id == id }!
    }

    func testSocketTypesFromTheTypeArgument() {
        XCTAssertEqual(claim("socket-types", tcp: dials(type: 1), udp: dials(type: 2)).status, .held)
        XCTAssertEqual(claim("socket-types", tcp: dials(type: 2), udp: dials(type: 2)).status, .notHeld)
        // Text alone is no evidence: without records, unknown.
        let textOnly = claim("socket-types", tcp: [], udp: [], lines: ["socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3"])
        XCTAssertEqual(textOnly.status, .unknown)
    }

    func testSameResolutionFromRecordNames() {
        let c = claim("same-resolution", tcp: dials(type: 1), udp: dials(type: 2))
        XCTAssertEqual(c.status, .held)
        XCTAssertTrue(c.evidence.rendered.contains("openat, read, close"), c.evidence.rendered)
        var udp = dials(type: 2)
        udp.insert(rec("sendto"), at: 7)
        XCTAssertEqual(claim("same-resolution", tcp: dials(type: 1), udp: udp).status, .notHeld)
    }

    func testReadDeadlineQuotesTheCallsItFound() {
        let calls = [rec("socket", [2, 2, 0], ret: 3), rec("setsockopt", [3, 1, 20, 0x1000, 16]), rec("read", [3, 0x2000, 65536], ret: -11)]
        let d = Claims.DeadlineProbe(output: ["read udp ...: i/o timeout"], exitStatus: 1, calls: calls)
        let c = claim("read-deadline", tcp: [], udp: [], deadline: d)
        XCTAssertEqual(c.status, .held)
        // The evidence keeps the records; Reports prints them as strace lines.
        XCTAssertEqual(c.evidence.pieces, [.text("read udp ...: i/o timeout — "), .call(.record(calls[1])), .text("; "), .call(.record(calls[2]))])
        XCTAssertTrue(c.evidence.rendered.hasSuffix(" — setsockopt(3, SOL_SOCKET, SO_RCVTIMEO, 0x1000, 16) = 0; read(3, 0x2000, 65536) = -1 EAGAIN (Resource temporarily unavailable)"), c.evidence.rendered)
    }
}
