// bcc's letters on kpath trace, stacks and funccount (issue 17), on this
// host's tracepoints: trace -t/-T, -n COMM, -L TID; stacks -D; funccount -T.
import Foundation
import Glibc
@testable import Sessions
import XCTest

final class TraceLettersHostTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(geteuid() == 0, "kpath trace loads BPF programs: run as root")
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: kpathBinary()), "no kpath binary: swift build")
    }

    /// A refused TCP dial from `kpath echo client`: inet_sock_set_state fires
    /// twice (CLOSE -> SYN_SENT -> CLOSE) in the client's thread.
    func dial(_ flags: [String]) throws -> CommandRun {
        let (fd, port) = try bindLoopback(.tcp)
        close(fd)
        return try runCommand(kpathBinary(), ["trace"] + flags + ["t:sock:inet_sock_set_state", "--", kpathBinary(), "echo", "client",
                                                                 "--proto", "tcp", "--to", "127.0.0.1:\(port)"], timeout: 60, failOnTimeout: true)
    }

    func hitLines(_ r: CommandRun) -> [String] { r.stdout.split(separator: "\n").map(String.init).filter { $0.contains(" sock:inet_sock_set_state") } }

    func testRelativeTimeAndNameFilter() throws {
        let r = try dial(["-t", "-n", "kpath"])
        XCTAssertTrue(r.stdout.hasPrefix("TIME     PID     TID     COMM            FUNC\n"), r.stdout)
        let hits = hitLines(r)
        XCTAssertGreaterThanOrEqual(hits.count, 2, r.stdout + r.stderr)
        for h in hits { XCTAssertNotNil(h.range(of: #"^[0-9]+\.[0-9]{3} +[0-9]+ +[0-9]+ +kpath "#, options: .regularExpression), h) }
        let none = try dial(["-n", "no-such-comm-kpath"])
        XCTAssertEqual(hitLines(none), [], none.stdout)
    }

    func testClockTimeAndThreadFilter() throws {
        let r = try dial(["-T"])
        let hits = hitLines(r)
        XCTAssertGreaterThanOrEqual(hits.count, 2, r.stdout + r.stderr)
        for h in hits { XCTAssertNotNil(h.range(of: #"^[0-9]{2}:[0-9]{2}:[0-9]{2} +[0-9]+"#, options: .regularExpression), h) }
        // -L with this test's own thread id: nobody else's hits pass
        let mine = try dial(["-L", String(getpid())])
        XCTAssertEqual(hitLines(mine), [], mine.stdout)
    }

    func testStacksDashD() throws {
        let r = try runCommand(kpathBinary(), ["stacks", "-D", "0.3", "t:sock:inet_sock_set_state"], timeout: 30, failOnTimeout: true)
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    func testFunccountCapitalT() throws {
        let r = try runCommand(kpathBinary(), ["funccount", "-T", "--help"], timeout: 30)
        XCTAssertEqual(r.status, 0, r.stderr)
    }
}
