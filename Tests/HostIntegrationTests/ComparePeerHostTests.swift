// `kpath compare --peer netns [--rtt DUR]` on this host (tracepoint mode where
// kprobes are refused): the client and server in network namespaces kpath
// creates, joined by a veth; nothing of them left after; --rtt's errors.
import Foundation
import Glibc
import XCTest

final class ComparePeerHostTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(geteuid() == 0, "these tests create network namespaces and load BPF programs: run them as root")
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: kpathBinary()),
                          "no kpath binary at \(kpathBinary()): build it (swift build) or set KPATH_BINARY")
    }

    /// Processes whose network namespace has one of kpath's veth ends (/proc/PID/net is the process's namespace's view).
    private func veths() -> [String] {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.filter { Int($0) != nil } ?? []
        return pids.filter { pid in
            guard let dev = try? String(contentsOfFile: "/proc/\(pid)/net/dev", encoding: .utf8) else { return false }
            return dev.contains("kpath-client") || dev.contains("kpath-server")
        }
    }

    private func claim(_ json: [String: Any], _ id: String) -> [String: Any]? {
        (json["claims"] as? [[String: Any]])?.first { $0["id"] as? String == id }
    }

    func testPeerNamespaceRunsOverAVethAndLeavesNothing() throws {
        XCTAssertEqual(veths(), [], "a kpath veth exists before the test")
        let r = try runCommand(kpathBinary(), ["compare", "tcp", "udp", "--peer", "netns", "--count", "2", "--json"], timeout: 180, failOnTimeout: true)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("dials to 198.18.0.2:") && r.stderr.contains("over a veth between two network namespaces"), r.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stderr)
        XCTAssertTrue((json["link"] as? String)?.hasPrefix("veth between two network namespaces") == true, "\(json["link"] ?? "no link")")
        let runs = try XCTUnwrap(json["runs"] as? [[String: Any]])
        for run in runs {
            let proto = run["proto"] as? String ?? "?"
            XCTAssertEqual(run["clientExit"] as? Int, 0, proto)
            let packets = run["packets"] as? [[String: Any]] ?? []
            let fromClient = packets.filter { ($0["source"] as? String)?.hasPrefix("198.18.0.1:") == true }
            let fromServer = packets.filter { ($0["source"] as? String)?.hasPrefix("198.18.0.2:") == true }
            XCTAssertFalse(fromClient.isEmpty, "\(proto): no packet from 198.18.0.1: \(packets)")
            XCTAssertFalse(fromServer.isEmpty, "\(proto): no packet from 198.18.0.2: \(packets)")
        }
        let tcp = try XCTUnwrap(runs.first { $0["proto"] as? String == "tcp" })
        let flags = (tcp["packets"] as? [[String: Any]] ?? []).filter { $0["phase"] as? String == "connect" }.compactMap { $0["flags"] as? String }
        XCTAssertEqual(Array(flags.prefix(3)), ["SYN", "SYN,ACK", "ACK"], "\(flags)")
        // Without --rtt the round-trip claim is not judged.
        XCTAssertNil(claim(json, "tcp-connect-waits-rtt"))
        // The namespaces died with the echo processes, and the veth with them (the kernel may take a moment).
        var left = veths()
        for _ in 0..<50 where !left.isEmpty { usleep(100_000); left = veths() }
        XCTAssertEqual(left, [], "kpath's veth is still there, in the namespace of processes \(left)")
    }

    /// SIGKILL gives kpath no chance to clean up: the namespaces must still go with the echo processes (PR_SET_PDEATHSIG).
    func testSIGKILLLeavesNoNamespaceOrVeth() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: kpathBinary())
        p.arguments = ["compare", "tcp", "udp", "--peer", "netns", "--count", "100000"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        var up = veths()
        for _ in 0..<300 where up.isEmpty && p.isRunning { usleep(100_000); up = veths() }
        XCTAssertFalse(up.isEmpty, "no kpath veth appeared while compare --peer netns ran")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationReason, .uncaughtSignal)
        var left = veths()
        for _ in 0..<100 where !left.isEmpty { usleep(100_000); left = veths() }
        XCTAssertEqual(left, [], "after SIGKILL of kpath a kpath veth is still there, with processes \(left)")
    }

    func testRTTNeedsNetemOrRunsTheClaim() throws {
        let r = try runCommand(kpathBinary(), ["compare", "tcp", "udp", "--peer", "netns", "--rtt", "20ms", "--count", "2", "--json"], timeout: 180, failOnTimeout: true)
        if r.stderr.contains("no sch_netem") {
            XCTAssertEqual(r.status, 1)
            let lines = r.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, r.stderr)
            XCTAssertTrue(lines.first?.hasPrefix("kpath: error: this kernel has no sch_netem") == true, r.stderr)
            XCTAssertTrue(r.stderr.contains("modprobe sch_netem"), r.stderr)
            XCTAssertEqual(r.stdout, "")
        } else {
            // A kernel with netem: the claim is judged and holds.
            XCTAssertEqual(r.status, 0, r.stderr)
            let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stderr)
            XCTAssertEqual(claim(json, "tcp-connect-waits-rtt")?["status"] as? String, "held", "\(claim(json, "tcp-connect-waits-rtt") ?? [:])")
        }
        XCTAssertEqual(veths(), [])
    }

    func testBadPeerAndRTTAreOneLine() throws {
        let cases: [([String], String)] = [
            (["--rtt", "20ms"], "--rtt needs --peer netns"),
            (["--peer", "netns", "--rtt", "soon"], "--rtt \"soon\" is not a round-trip time"),
            (["--peer", "netns", "--rtt", "0"], "--rtt \"0\" is not a round-trip time"),
            (["--peer", "netns", "--rtt=-5ms"], "--rtt \"-5ms\" is not a round-trip time"),
            (["--peer", "netns", "--rtt", "10s"], "--rtt 10s is too long; use at most 5s"),
            (["--peer", "host"], "--peer takes \"netns\""),
        ]
        for (args, expect) in cases {
            let r = try runCommand(kpathBinary(), ["compare", "tcp", "udp"] + args, timeout: 60, failOnTimeout: true)
            XCTAssertEqual(r.status, 64, "\(args): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("kpath: error: ") && r.stderr.contains(expect), "\(args): \(r.stderr)")
            XCTAssertEqual(r.stdout, "", "\(args)")
        }
        let unix = try runCommand(kpathBinary(), ["compare", "tcp", "unix", "--peer", "netns"], timeout: 60, failOnTimeout: true)
        XCTAssertEqual(unix.status, 64, unix.stderr)
        XCTAssertTrue(unix.stderr.contains("unix sockets do not cross a link"), unix.stderr)
    }
}
