// Losses are reported, with their count (issue 7.3): a one-page ring buffer
// (KPATH_RINGBUF_PAGES=1) under a flood of traced syscalls must lose records,
// and every record is either printed or counted as lost: printed + lost is
// exactly the number of syscalls made. Needs root; uses
// this host's raw_syscalls tracepoints.
import Foundation
import Glibc
import XCTest

final class LossHostTests: XCTestCase {
    static var kpath: String { kpathBinary() }

    override func setUpWithError() throws {
        try XCTSkipUnless(geteuid() == 0, "kpath syscalls loads BPF programs: run these tests as root")
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: Self.kpath),
                          "no kpath binary at \(Self.kpath): build it (swift build) or set KPATH_BINARY")
    }

    /// Runs kpath with `args` and extra environment; (status, stdout, stderr).
    func kpath(_ args: [String], env: [String: String] = [:], timeout: Double = 120) throws -> (Int32, String, String) {
        let r = try runCommand(Self.kpath, args, environment: env, timeout: timeout, failOnTimeout: true)
        return (r.status, r.stdout, r.stderr)
    }

    static let writes = 20000

    /// `kpath syscalls -e write` around dd writing one byte at a time
    /// (exactly `writes` write(2) calls: status=none, and the loader writes
    /// nothing) through a one-page ring buffer, which holds about a dozen
    /// records: the traced command outruns the reader.
    func flood(json: Bool) throws -> (Int32, String, String) {
        let dd = "/bin/dd"
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: dd), "no \(dd) (coreutils) to make the flood")
        return try kpath(["syscalls", "-e", "write"] + (json ? ["--json"] : ["-o", "/dev/stdout"]) +
                         ["--", dd, "if=/dev/zero", "of=/dev/null", "bs=1", "count=\(Self.writes)", "status=none"],
                         env: ["KPATH_RINGBUF_PAGES": "1"])
    }

    func testTinyRingBufferLossIsReportedWithItsCount() throws {
        let (status, stdout, stderr) = try flood(json: false)
        XCTAssertEqual(status, 0, stderr)
        let printed = stdout.split(separator: "\n").filter { $0.hasPrefix("write(") }.count
        guard let r = stderr.range(of: #"kpath: (\d+) syscall records? lost \(ring buffer full\)"#, options: .regularExpression) else {
            return XCTFail("no loss reported with a one-page ring buffer (\(printed) of \(Self.writes) records printed); stderr:\n\(stderr)")
        }
        let lost = Int(stderr[r].split(separator: " ")[1]) ?? -1
        XCTAssertGreaterThan(lost, 0)
        XCTAssertEqual(printed + lost, Self.writes, "every write(2) is either printed or counted lost: \(printed) printed, \(lost) lost")
    }

    func testTinyRingBufferLossIsInJSON() throws {
        let (status, stdout, stderr) = try flood(json: true)
        XCTAssertEqual(status, 0, stderr)
        let doc = try syscallsDocument(stdout)
        let lost = try XCTUnwrap(doc["lost"] as? Int)
        let records = try XCTUnwrap(doc["records"] as? [Any])
        XCTAssertGreaterThan(lost, 0, "a one-page ring buffer under \(Self.writes) writes lost nothing")
        XCTAssertEqual(records.count + lost, Self.writes)
        XCTAssertTrue(stderr.contains("kpath: \(lost) syscall records lost (ring buffer full)"), stderr)
    }
}
