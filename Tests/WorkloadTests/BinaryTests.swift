import Foundation
import Glibc
import XCTest
@testable import Workload

/// `kpath echo ...` as a user runs it: exit codes, stdout lines, one-line errors.
final class BinaryTests: XCTestCase {
    private func assertOneLineError(_ arguments: [String], contains expected: String,
                                    file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try runKpath(arguments)
        XCTAssertEqual(result.status, 1, "exit status of \(arguments)", file: file, line: line)
        XCTAssertFalse(result.signalled, file: file, line: line)
        XCTAssertEqual(result.stderrLines.count, 1, "stderr: \(result.stderr)", file: file, line: line)
        XCTAssertTrue(result.stderr.hasPrefix("kpath: error: "), result.stderr, file: file, line: line)
        XCTAssertTrue(result.stderr.contains(expected), "\(result.stderr) lacks \(expected)", file: file, line: line)
    }

    func testBadInputsAreOneLineErrors() throws {
        try assertOneLineError(["echo", "client", "--to", "127.0.0.1:70000"], contains: "port 70000 out of range (1-65535)")
        try assertOneLineError(["echo", "client", "--to", "localhost"], contains: "malformed address \"localhost\"")
        try assertOneLineError(["echo", "client", "--to", "nosuch.invalid:9000"], contains: "cannot resolve host \"nosuch.invalid\"")
        try assertOneLineError(["echo", "client", "--to", "127.0.0.1:9", "--count", "0"], contains: "count must be at least 1")
        try assertOneLineError(["echo", "client", "--to", "127.0.0.1:9", "--timeout", "0"], contains: "timeout must be greater than 0")
        try assertOneLineError(["echo", "client", "--to", "127.0.0.1:9", "--proto", "sctp"], contains: "unknown protocol \"sctp\"")
        try assertOneLineError(["echo", "client", "--to", "127.0.0.1:9", "--message", String(repeating: "x", count: 65_508)],
                               contains: "message is 65508 bytes")
        try assertOneLineError(["echo", "server", "--listen", "127.0.0.1:70000"], contains: "port 70000 out of range (0-65535)")
        try assertOneLineError(["echo", "bench", "--seconds", "0"], contains: "duration must be greater than 0")
    }

    func testNoServerIsOneLineError() throws {
        let udp = try unusedPort(.udp)
        try assertOneLineError(["echo", "client", "--proto", "udp", "--to", "127.0.0.1:\(udp)"],
                               contains: "->127.0.0.1:\(udp): connection refused")
        let tcp = try unusedPort(.tcp)
        try assertOneLineError(["echo", "client", "--proto", "tcp", "--to", "127.0.0.1:\(tcp)"],
                               contains: "dial tcp 127.0.0.1:\(tcp): connection refused")
    }

    func testTimeoutIsTheArticlesMessage() throws {
        let silent = try RawSocket(.udp)
        defer { silent.close() }
        let result = try runKpath(["echo", "client", "--to", "127.0.0.1:\(silent.port)", "--timeout", "0.2"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stdoutLines, ["packet-written: bytes=5"])
        XCTAssertNotNil(result.stderr.range(
            of: #"^kpath: error: read udp 127\.0\.0\.1:[0-9]+->127\.0\.0\.1:\#(silent.port): i/o timeout\n$"#,
            options: .regularExpression), result.stderr)
    }

    func testListenPortInUse() throws {
        for proto in EchoProto.allCases {
            let first = try RunningServer(proto)
            defer { first.stop() }
            try assertOneLineError(["echo", "server", "--proto", "\(proto)", "--listen", "\(first.address)"],
                                   contains: "address already in use")
        }
    }

    func testClientAgainstServerPrintsTheArticlesLines() throws {
        for proto in EchoProto.allCases {
            let server = try RunningServer(proto)
            defer { server.stop() }
            // localhost for the article's pair; ::1 and Unix sockets by their address.
            let to = proto == .tcp || proto == .udp ? "localhost:\(server.address.port)" : "\(server.address)"
            let result = try runKpath(["echo", "client", "--proto", "\(proto)", "--to", to,
                                       "--count", "2", "--message", "hi"])
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertEqual(result.stdoutLines, Array(repeating: ["packet-written: bytes=2",
                                                                 "packet-received: bytes=2 from=\(server.address)"], count: 2)
                .flatMap { $0 })
            XCTAssertEqual(result.stderr, "")
        }
    }

    func testMessageFromStdin() throws {
        let server = try RunningServer(.tcp)
        defer { server.stop() }
        let result = try runKpath(["echo", "client", "--proto", "tcp", "--to", "\(server.address)"], stdin: "from a pipe\n")
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdoutLines.first, "packet-written: bytes=12")
    }

    func testPauseBetweenPromptsBeforeEachStep() throws {
        let server = try RunningServer(.udp)
        defer { server.stop() }
        let result = try runKpath(["echo", "client", "--to", "\(server.address)", "--message", "hi", "--pause-between"],
                                  stdin: String(repeating: "\n", count: 7))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderrLines, EchoStep.allCases.map { "[kpath] next: \($0.call) — press Enter" })
        XCTAssertTrue(result.stderrLines.contains("[kpath] next: connect(2) — press Enter"))
        XCTAssertEqual(result.stdoutLines.count, 2)
    }

    func testServerCancellationBySIGTERMAndSIGINT() throws {
        for (proto, sig) in [(EchoProto.udp, SIGTERM), (.tcp, SIGINT), (.udp, SIGINT)] {
            let server = try KpathProcess(["echo", "server", "--proto", "\(proto)", "--listen", "127.0.0.1:0"])
            let first = try XCTUnwrap(server.readLine(), "no listening line")
            XCTAssertNotNil(first.range(of: #"^listening on 127\.0\.0\.1:[0-9]+ \(\#(proto)\)$"#, options: .regularExpression), first)
            XCTAssertEqual(kill(server.pid, sig), 0)
            let result = server.finish()
            XCTAssertFalse(result.signalled, "killed by the signal instead of handling it")
            XCTAssertEqual(result.status, 0)
            XCTAssertEqual(result.stdoutLines.last, "cancelled")
            XCTAssertEqual(result.stderr, "")
        }
    }

    func testServerEchoesThenCancels() throws {
        let server = try KpathProcess(["echo", "server", "--proto", "udp", "--listen", "0"])
        let first = try XCTUnwrap(server.readLine())
        let address = try EchoAddress(parsing: String(first.split(separator: " ")[2]))
        let result = try EchoClient(proto: .udp, to: address, message: Array("ping".utf8), timeout: 3).run()
        XCTAssertTrue(result.allMatched)
        let received = try XCTUnwrap(server.readLine())
        XCTAssertNotNil(received.range(of: #"^packet-received: bytes=4 from=127\.0\.0\.1:[0-9]+$"#, options: .regularExpression))
        let written = try XCTUnwrap(server.readLine())
        XCTAssertEqual(written, received.replacingOccurrences(of: "packet-received", with: "packet-written")
            .replacingOccurrences(of: "from=", with: "to="))
        kill(server.pid, SIGTERM)
        let done = server.finish()
        XCTAssertEqual(done.status, 0)
        XCTAssertEqual(done.stdoutLines, ["cancelled"])
    }

    func testClientCancellation() throws {
        let silent = try RawSocket(.udp)
        defer { silent.close() }
        let client = try KpathProcess(["echo", "client", "--to", "127.0.0.1:\(silent.port)", "--timeout", "30",
                                       "--message", "hello"])
        XCTAssertEqual(client.readLine(), "packet-written: bytes=5")
        usleep(50_000)
        kill(client.pid, SIGINT)
        let result = client.finish()
        XCTAssertFalse(result.signalled)
        XCTAssertEqual(result.status, 130)
        XCTAssertEqual(result.stdoutLines.last, "cancelled")
    }

    func testCtrlCWhileWaitingForStdinPrintsCancelled() throws {
        let client = try KpathProcess(["echo", "client", "--to", "127.0.0.1:9"])   // stdin: an open pipe
        // SIGINT before the handler is installed would kill it (a fixed sleep failed under load).
        XCTAssertTrue(waitUntilCatching(SIGINT, pid: client.pid), "the client never installed its SIGINT handler")
        kill(client.pid, SIGINT)
        // Keep stdin open until it exits: EOF would let it go on and race the signal.
        XCTAssertTrue(client.waitForExit())
        let result = client.finish()
        XCTAssertFalse(result.signalled)
        XCTAssertEqual(result.status, 130)
        XCTAssertEqual(result.stdoutLines, ["cancelled"], result.stderr)
    }

    func testBenchPrintsATable() throws {
        let result = try runKpath(["echo", "bench", "--proto", "tcp", "--seconds", "0.2"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdoutLines.count, 4, result.stdout)
        XCTAssertTrue(result.stdout.contains("full dials"))
    }
}

/// Waits until `pid` handles `signal` itself: caught (SigCgt) or blocked for
/// sigwait (SigBlk) in /proc/PID/status; at most `timeout` seconds.
func waitUntilCatching(_ signal: Int32, pid: pid_t, timeout: Double = 20) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
           status.split(separator: "\n").contains(where: { line in
               guard line.hasPrefix("SigCgt:") || line.hasPrefix("SigBlk:"),
                     let mask = UInt64(line.dropFirst(7).trimmingCharacters(in: .whitespaces), radix: 16) else { return false }
               return mask & (1 << UInt64(signal - 1)) != 0
           }) {
            return true
        }
        usleep(10_000)
    }
    return false
}
