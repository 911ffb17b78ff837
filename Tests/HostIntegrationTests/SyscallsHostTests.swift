// `kpath syscalls` on this host kernel (raw_syscalls tracepoints: no kprobes
// needed), against a real `kpath echo server`. Needs root; the kpath binary
// is the one built next to this test bundle (or $KPATH_BINARY).
import Foundation
import Glibc
import Probes
import Reports
@testable import Sessions
import XCTest

final class SyscallsHostTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(geteuid() == 0, "kpath syscalls loads BPF programs: run these tests as root (sudo swift test ...)")
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: Self.kpath),
                          "no kpath binary at \(Self.kpath): build it (swift build) or set KPATH_BINARY")
    }

    // MARK: helpers

    static var kpath: String { kpathBinary() }

    typealias Run = CommandRun

    /// Runs kpath with `args`; after `interruptAfter` seconds sends SIGINT; kills it after `timeout`.
    /// `syscalls` lines go to stderr like strace's; these tests read them on
    /// stdout through `-o /dev/stdout` (a pipe here), unless --json, -c or -o is given.
    func kpath(_ args: [String], interruptAfter: Double? = nil, timeout: Double = 60) throws -> Run {
        var a = args
        if a.first == "syscalls", !a.contains("--json"), !a.contains("-o"), !a.contains("-c") { a.insert(contentsOf: ["-o", "/dev/stdout"], at: 1) }
        return try runCommand(Self.kpath, a, interruptAfter: interruptAfter, timeout: timeout, failOnTimeout: true)
    }

    /// A TCP port on 127.0.0.1 with nothing listening.
    func closedPort() throws -> UInt16 {
        let (fd, port) = try bindLoopback(.tcp)
        close(fd)
        return port
    }

    func matches(_ lines: [String], _ pattern: String) -> [String] {
        lines.filter { $0.range(of: pattern, options: .regularExpression) != nil }
    }

    func assertHas(_ r: Run, _ pattern: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(matches(r.lines, pattern).isEmpty, "expected /\(pattern)/ in:\n\(r.stdout)\nstderr:\n\(r.stderr)", file: file, line: line)
    }

    func assertHasnt(_ r: Run, _ pattern: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(matches(r.lines, pattern).isEmpty, "did not expect /\(pattern)/ in:\n\(r.stdout)", file: file, line: line)
    }

    // MARK: the article's view

    func testUDPClientNetworkClass() throws {
        let port = try startEchoServer("udp")
        let r = try kpath(["syscalls", "-e", "network", "--", Self.kpath, "echo", "client", "--proto", "udp", "--to", "127.0.0.1:\(port)"])
        XCTAssertEqual(r.status, 0, r.stderr)
        assertHas(r, #"^socket\(AF_INET, SOCK_DGRAM\|SOCK_CLOEXEC, IPPROTO_IP\) = [0-9]+$"#)
        assertHas(r, #"^connect\([0-9]+, \{sa_family=AF_INET, sin_port=htons\(\#(port)\), sin_addr=inet_addr\("127\.0\.0\.1"\)\}, 16\) = 0$"#)
        assertHas(r, #"^setsockopt\([0-9]+, SOL_SOCKET, SO_RCVTIMEO, \{tv_sec=5, tv_usec=0\}, 16\) = 0$"#)
        // strace's %network has no read/write/close
        assertHasnt(r, #"^(read|write|close)\("#)
        XCTAssertEqual(r.lines.last, "+++ exited with 0 +++")
        XCTAssertEqual(matches(r.lines, #"^\[pid"#), [], "one thread: no [pid N] prefixes")
    }

    func testTCPClientSocketIO() throws {
        let port = try startEchoServer("tcp")
        let r = try kpath(["syscalls", "--", Self.kpath, "echo", "client", "--proto", "tcp", "--to", "127.0.0.1:\(port)", "--message", "hello"])
        XCTAssertEqual(r.status, 0, r.stderr)
        assertHas(r, #"^socket\(AF_INET, SOCK_STREAM\|SOCK_CLOEXEC, IPPROTO_IP\) = 3$"#)
        assertHas(r, #"^connect\(3, \{sa_family=AF_INET, sin_port=htons\(\#(port)\), sin_addr=inet_addr\("127\.0\.0\.1"\)\}, 16\) = 0$"#)
        assertHas(r, #"^write\(3, "hello", 5\) += 5$"#)
        assertHas(r, #"^read\(3, "hello", [0-9]+\) += 5$"#)
        assertHas(r, #"^close\(3\) += 0$"#)
        // only socket fds: the client's own output (write to fd 1) is not shown
        assertHasnt(r, #"^write\(1,"#)
        // the order of the dial
        let names = r.lines.compactMap { $0.split(separator: "(").first.map(String.init) }
        let order = ["socket", "connect", "write", "setsockopt", "read", "close"].compactMap { names.firstIndex(of: $0) }
        XCTAssertEqual(order, order.sorted(), "lines in the order of the dial:\n\(r.stdout)")
    }

    func testConnectionRefusedAndExitStatus() throws {
        let port = try closedPort()
        let r = try kpath(["syscalls", "-e", "connect", "--", Self.kpath, "echo", "client", "--proto", "tcp", "--to", "127.0.0.1:\(port)"])
        assertHas(r, #"^connect\(3, \{sa_family=AF_INET, sin_port=htons\(\#(port)\), sin_addr=inet_addr\("127\.0\.0\.1"\)\}, 16\) = -1 ECONNREFUSED \(Connection refused\)$"#)
        XCTAssertNotEqual(r.status, 0, "kpath exits with the command's status")
        assertHas(r, #"^\+\+\+ exited with [1-9][0-9]* \+\+\+$"#)
    }

    func testTimestampsAndDurations() throws {
        let port = try startEchoServer("udp")
        let r = try kpath(["syscalls", "-t", "-T", "-e", "socket,connect", "--", Self.kpath, "echo", "client", "--proto", "udp", "--to", "127.0.0.1:\(port)"])
        XCTAssertEqual(r.status, 0, r.stderr)
        assertHas(r, #"^[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{6} socket\(AF_INET, SOCK_DGRAM\|SOCK_CLOEXEC, IPPROTO_IP\) = 3 <[0-9]+\.[0-9]{6}>$"#)
        assertHas(r, #"^[0-9:.]{15} connect\(3, .* = 0 <[0-9]+\.[0-9]{6}>$"#)
    }

    func testJSON() throws {
        let port = try startEchoServer("udp")
        let r = try kpath(["syscalls", "--json", "-e", "network", "--", Self.kpath, "echo", "client", "--proto", "udp", "--to", "127.0.0.1:\(port)"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let doc = try syscallsDocument(r.stdout)
        let records = try XCTUnwrap(doc["records"] as? [[String: Any]])
        let connect = try XCTUnwrap(records.first { $0["name"] as? String == "connect" }, r.stdout)
        let address = try XCTUnwrap(connect["address"] as? [String: Any])
        XCTAssertEqual(address["ip"] as? String, "127.0.0.1")
        XCTAssertEqual(address["port"] as? Int, Int(port))
        XCTAssertEqual(connect["line"] as? String, "connect(3, {sa_family=AF_INET, sin_port=htons(\(port)), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 0")
        XCTAssertEqual(doc["exitStatus"] as? Int, 0)
        XCTAssertEqual(doc["lost"] as? Int, 0)
    }

    func testPidModeFollowsChildrenUntilInterrupted() throws {
        let port = try startEchoServer("udp")
        let loop = Process()
        loop.executableURL = URL(fileURLWithPath: "/bin/sh")
        loop.arguments = ["-c", "while :; do \"$0\" echo client --proto udp --to 127.0.0.1:\(port) >/dev/null; sleep 0.2; done", Self.kpath]
        try loop.run()
        defer { loop.terminate(); loop.waitUntilExit() }
        usleep(200_000)
        let r = try kpath(["syscalls", "-f", "-e", "connect", "-p", String(loop.processIdentifier)], interruptAfter: 2.5)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("kpath: Process \(loop.processIdentifier) attached"), r.stderr)
        XCTAssertTrue(r.stderr.contains("detached"), r.stderr)
        // each client is a new process: [pid N] prefixes once the second shows up
        let connects = matches(r.lines, #"connect\([0-9]+, \{sa_family=AF_INET, sin_port=htons\(\#(port)\)"#)
        XCTAssertGreaterThanOrEqual(connects.count, 3, r.stdout)
        XCTAssertFalse(matches(r.lines, #"^\[pid +[0-9]+\] connect\("#).isEmpty, r.stdout)
    }

    // MARK: errors: one line, exit 1

    func testUnknownSyscallNameIsOneLineError() throws {
        let r = try kpath(["syscalls", "-e", "connect,nosuchcall", "--", "/bin/true"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stdout, "")
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("kpath: error: unknown syscall \"nosuchcall\" in -e; "), r.stderr)
    }

    func testNeedsPidOrCommand() throws {
        let r = try kpath(["syscalls", "-e", "network"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "kpath: error: give -p PID or -- COMMAND (tracing every process system-wide is not useful here)\n")
        let gone = try kpath(["syscalls", "--", "no-such-command-kpath"])
        XCTAssertEqual(gone.status, 1)
        XCTAssertEqual(gone.stderr, "kpath: error: command not found: no-such-command-kpath\n")
    }

    // MARK: the API other sessions use

    func testCollectorRecordsThisProcess() throws {
        let tracker = try Tracker()
        try tracker.setFilter(tracking: true, followForks: false)
        try tracker.track(pid: getpid())
        let collector = try SyscallCollector(tracker: tracker, filter: .socketIOClass)

        // a UDP dial of our own, to a port nobody reads
        let port = try closedPort()
        let s = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = port.bigEndian
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        XCTAssertEqual(rc, 0)
        XCTAssertEqual(write(s, "ping", 4), 4)
        close(s)

        collector.poll(timeoutMs: 100)
        collector.stop()
        tracker.detach()
        let mine = collector.records(pids: [getpid()])
        let dial = try XCTUnwrap(mine.first { $0.name == "connect" && $0.int(0) == s }, "\(mine.map(\.name))")
        XCTAssertEqual(dial.address?.port, port)
        XCTAssertEqual(dial.address?.ip, "127.0.0.1")
        XCTAssertEqual(StraceFormat.line(dial, Strace.Options(align: false)),
                       "connect(\(s), {sa_family=AF_INET, sin_port=htons(\(port)), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 0")
        let w = try XCTUnwrap(mine.first { $0.name == "write" && $0.int(0) == s })
        XCTAssertEqual(StraceFormat.line(w, Strace.Options(align: false)), "write(\(s), \"ping\", 4) = 4")
        XCTAssertTrue(mine.contains { $0.name == "close" && $0.int(0) == s })
        XCTAssertEqual(collector.lost, 0)
    }
}
