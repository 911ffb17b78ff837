// kpath's own machinery must not show up in what it reports: a held command
// (HeldProcess) re-executes kpath as a trampoline that reads one go-ahead byte
// from a Unix socket and closes it before it execs the real command. Tracking
// starts at that execve (KP_ROLE_PENDING_EXEC in bpf/include/kpath.h), so no
// unix_* function, no read of the go-ahead socket and no close of it reaches
// any command's output. Needs root (tracepoints on this kernel).
import Foundation
import Glibc
import XCTest

final class HarnessHostTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(geteuid() == 0, "these tests load BPF programs: run them as root (sudo swift test ...)")
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: kpathBinary()),
                          "no kpath binary at \(kpathBinary()): build it (swift build) or set KPATH_BINARY")
    }

    func testSyscallsStartAtExecve() throws {
        let r = try runCommand(kpathBinary(), ["syscalls", "-e", "all", "--", "/bin/true"], timeout: 60, failOnTimeout: true)
        XCTAssertEqual(r.status, 0, r.stderr)
        let first = r.lines.first ?? ""
        XCTAssertTrue(first.hasPrefix("execve(\"/bin/true\""), "first line: \(first)\n\(r.stdout.prefix(400))")
        XCTAssertFalse(r.stdout.contains("read(") && r.stdout.contains("\"\\1\", 1) = 1"), r.stdout)
    }

    /// compare's JSON (tracepoint mode here): every run's syscalls begin with the
    /// client's execve, and no stack of either protocol passes through unix_*.
    func testCompareRecordsNoTrampoline() throws {
        let r = try runCommand(kpathBinary(), ["compare", "tcp", "udp", "--count", "2", "--json"], timeout: 180, failOnTimeout: true)
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let runs = try XCTUnwrap(json["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.count, 2)
        for run in runs {
            let calls = try XCTUnwrap(run["syscalls"] as? [String])
            XCTAssertTrue(calls.first?.hasPrefix("execve(") ?? false, "\(run["proto"] ?? "?"): \(calls.prefix(3))")
        }
        XCTAssertFalse(r.stdout.contains("unix_"), "a unix_* function (the trampoline's go-ahead) in compare's output")
    }

    func testStacksOfACommandHaveNoTrampoline() throws {
        let r = try runCommand(kpathBinary(), ["stacks", "--folded", "t:skb:skb_copy_datagram_iovec", "t:sock:sock_recv_length",
                                               "--", kpathBinary(), "echo", "bench", "--proto", "udp", "--seconds", "0.3"],
                               timeout: 90, failOnTimeout: true)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(r.stdout.isEmpty, "no stacks at all: \(r.stderr)")
        XCTAssertFalse(r.stdout.contains("unix_"), r.stdout)
    }

    /// Tracepoint mode (this host: no kprobes): UDP reads copy with
    /// copy_linear_skb, which fires no skb tracepoint, so compare takes read
    /// stacks at sock:sock_recv_length too; the text calls its numbers stack hits.
    func testTracepointModeSeesUDPReads() throws {
        // One run, both forms: the text on stdout, the --json document in --save's file.
        let saved = NSTemporaryDirectory() + "kpath-save-\(getpid()).json"
        defer { try? FileManager.default.removeItem(atPath: saved) }
        let j = try runCommand(kpathBinary(), ["compare", "tcp", "udp", "--count", "2", "--save", saved], timeout: 180, failOnTimeout: true)
        XCTAssertEqual(j.status, 0, j.stderr)
        XCTAssertTrue(j.stderr.contains("kpath: wrote \(saved)"), j.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: saved))) as? [String: Any])
        try XCTSkipUnless(json["mode"] as? String == "tracepoints", "this kernel probes functions: compare is not in tracepoint mode")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: "/sys/kernel/tracing/events/sock/sock_recv_length"),
                          "no sock:sock_recv_length tracepoint (Linux 6.3+) on this kernel")
        let udp = try XCTUnwrap((json["runs"] as? [[String: Any]])?.first { $0["proto"] as? String == "udp" })
        let stacks = try XCTUnwrap(udp["stacks"] as? [[String: Any]])
        let reads = stacks.filter { $0["phase"] as? String == "read" && $0["role"] as? String == "client" }
        XCTAssertFalse(reads.isEmpty, "no UDP client read stack: \(stacks.map { "\($0["phase"] ?? "?") \($0["target"] ?? "?")" })")
        for r in reads {
            let fns = r["functions"] as? [String] ?? []
            XCTAssertTrue(fns.contains("sock_recvmsg"), "\(fns)")
            XCTAssertFalse(fns.contains { $0.hasPrefix("call_trace_") || $0.hasPrefix("perf_trace") }, "tracing glue on the path: \(fns)")
        }
        XCTAssertTrue(j.stdout.contains("stack hits/dial"), j.stdout)
        XCTAssertFalse(j.stdout.contains("calls/dial"), "tracepoint mode counts no calls")
    }
}
