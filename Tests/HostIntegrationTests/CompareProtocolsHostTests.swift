// `kpath compare` beyond the article's pair, on this host (tracepoint mode
// where kprobes are refused): a Unix stream socket beside TCP, and TCP over
// IPv6 beside IPv4. Real echo processes, real BPF; asserts on the JSON values.
import Foundation
import Glibc
import XCTest

final class CompareProtocolsHostTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(geteuid() == 0, "these tests load BPF programs: run them as root (sudo swift test ...)")
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: kpathBinary()),
                          "no kpath binary at \(kpathBinary()): build it (swift build) or set KPATH_BINARY")
    }

    private func compare(_ protos: [String]) throws -> (json: [String: Any], runs: [String: [String: Any]]) {
        let r = try runCommand(kpathBinary(), ["compare"] + protos + ["--count", "2", "--json"], timeout: 180, failOnTimeout: true)
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stderr)
        let runs = try XCTUnwrap(json["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.compactMap { $0["proto"] as? String }, protos)
        return (json, Dictionary(uniqueKeysWithValues: runs.map { ($0["proto"] as? String ?? "?", $0) }))
    }

    private func claim(_ json: [String: Any], _ id: String) -> [String: Any]? {
        (json["claims"] as? [[String: Any]])?.first { $0["id"] as? String == id }
    }

    func testCompareTCPWithUnixStream() throws {
        let (json, runs) = try compare(["tcp", "unix"])
        let unix = try XCTUnwrap(runs["unix"]), tcp = try XCTUnwrap(runs["tcp"])
        // The Unix client dialled a socket file in kpath's private directory, which is gone now.
        let out = try XCTUnwrap(unix["clientOutput"] as? [String])
        XCTAssertEqual(out.filter { $0.hasPrefix("packet-received: bytes=5 from=/tmp/kpath-") }.count, 2, "\(out)")
        if let line = out.first(where: { $0.hasPrefix("packet-received") }), let path = line.split(separator: "=").last {
            XCTAssertFalse(FileManager.default.fileExists(atPath: String(path)), "\(path) left behind")
        }
        XCTAssertEqual((unix["syscallNames"] as? [String])?.filter { $0 == "connect" }.count, 2)
        XCTAssertEqual(unix["serverPort"] as? Int, 0)
        // No packet from the Unix client or server; TCP's handshake is there.
        XCTAssertEqual((unix["packets"] as? [Any])?.count, 0, "\(unix["packets"] ?? "")")
        let tcpFlags = (tcp["packets"] as? [[String: Any]] ?? []).filter { $0["phase"] as? String == "connect" }.compactMap { $0["flags"] as? String }
        XCTAssertTrue(tcpFlags.contains("SYN"), "\(tcpFlags)")
        // The article's tcp/udp claims are not judged without udp; the Unix one is.
        XCTAssertNil(claim(json, "read-deadline"))
        XCTAssertNil(claim(json, "tcp-connect-transmits"))
        let c = try XCTUnwrap(claim(json, "unix-connect-no-packet"))
        let expected = json["mode"] as? String == "functions" ? "held" : "unknown"
        XCTAssertEqual(c["status"] as? String, expected, "\(c)")
        XCTAssertTrue((c["evidence"] as? String ?? "").hasPrefix("0 packets"), "\(c)")
        // Unix reads are seen on the stacks at the socket tracepoints, through unix_stream_recvmsg.
        if json["mode"] as? String == "tracepoints" {
            let stacks = unix["stacks"] as? [[String: Any]] ?? []
            XCTAssertTrue(stacks.contains { ($0["functions"] as? [String] ?? []).contains("unix_stream_recvmsg") },
                          "\(stacks.map { $0["target"] ?? "?" })")
        }

        let t = try runCommand(kpathBinary(), ["compare", "tcp", "unix", "--count", "2"], timeout: 180, failOnTimeout: true)
        XCTAssertEqual(t.status, 0, t.stderr)
        XCTAssertTrue(t.stdout.contains("== UNIX packets ==\n  none: a Unix socket"), t.stdout)
        XCTAssertTrue(t.stdout.contains("== connect(2): functions only in TCP, only in UNIX, in both =="), t.stdout)
        XCTAssertNotNil(t.stdout.range(of: #"\nSYSCALL +TCP funcs +\S+( hits/dial| calls/dial)? +UNIX funcs"#, options: .regularExpression), t.stdout)
    }

    func testCompareTCPWithTCP6() throws {
        let (json, runs) = try compare(["tcp", "tcp6"])
        let tcp6 = try XCTUnwrap(runs["tcp6"])
        let packets = tcp6["packets"] as? [[String: Any]] ?? []
        try XCTSkipIf(packets.isEmpty && (tcp6["clientExit"] as? Int) != 0, "no IPv6 loopback here: \(tcp6["clientOutput"] ?? "")")
        // Attributed by port over IPv6: both dials, the handshake in connect, all on ::1.
        XCTAssertEqual(Set(packets.compactMap { $0["dial"] as? Int }), [1, 2])
        XCTAssertTrue(packets.allSatisfy { ($0["source"] as? String ?? "").hasPrefix("[::1]:") }, "\(packets.prefix(2))")
        let connect = packets.filter { $0["dial"] as? Int == 1 && $0["phase"] as? String == "connect" }.compactMap { $0["flags"] as? String }
        XCTAssertEqual(connect, ["SYN", "SYN,ACK", "ACK"])
        let c = try XCTUnwrap(claim(json, "tcp6-connect-path"))
        XCTAssertEqual(c["status"] as? String, "held", "\(c)")
        XCTAssertTrue((c["evidence"] as? String ?? "").contains("tcp_v6_connect"), "\(c)")
        XCTAssertNil(claim(json, "unix-connect-no-packet"))
        XCTAssertNil(claim(json, "same-resolution"))
    }
}
