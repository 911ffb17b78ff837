// One target syntax for every command that takes kernel functions: bare names,
// globs, bcc's p::FUNC and bpftrace's kprobe:FUNC (stacks and trace took them;
// funccount refused them, and its hint suggested a form that failed the same way).
import Foundation
import XCTest

final class TargetSyntaxTests: XCTestCase {
    func testFunccountListTakesEverySpelling() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: kpathBinary()), "no kpath binary at \(kpathBinary())")
        for spec in ["tcp_v4_connect", "p::tcp_v4_connect", "p:tcp_v4_connect", "kprobe:tcp_v4_connect", "k:tcp_v4_connect"] {
            let r = try runCommand(kpathBinary(), ["funccount", "--list", spec], timeout: 60, failOnTimeout: true)
            XCTAssertEqual(r.status, 0, "\(spec): \(r.stderr)")
            XCTAssertEqual(r.lines, ["tcp_v4_connect"], spec)
        }
        let glob = try runCommand(kpathBinary(), ["funccount", "--list", "kprobe:tcp_v4_conn*"], timeout: 60, failOnTimeout: true)
        XCTAssertTrue(glob.lines.contains("tcp_v4_connect"), glob.stdout + glob.stderr)
    }
}
