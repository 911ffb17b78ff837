// `kpath doctor` on this host: a kernel locked down (integrity) and built
// without kprobes, so kpath runs degraded, in tracepoint mode. Needs root;
// the kpath binary is the one built next to this test bundle (or $KPATH_BINARY).
import Foundation
import Glibc
import XCTest

final class DoctorHostTests: XCTestCase {
    static var kpath: String { kpathBinary() }

    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: Self.kpath), "no kpath binary at \(Self.kpath): swift build first")
        try XCTSkipUnless(geteuid() == 0, "kpath doctor tries BPF backends: run these tests as root")
    }

    typealias Run = CommandRun

    func doctor(_ args: [String]) throws -> Run {
        try runCommand(Self.kpath, ["doctor"] + args)
    }

    /// "label:   value" lines -> [label: value].
    func facts(_ s: String) -> [String: String] {
        var d: [String: String] = [:]
        for line in s.split(separator: "\n") where !line.hasPrefix(" ") {
            guard let c = line.range(of: ": ") else { continue }
            d[String(line[..<c.lowerBound])] = line[c.upperBound...].trimmingCharacters(in: .whitespaces)
        }
        return d
    }

    func testTextReportOnLockedDownHost() throws {
        let r = try doctor([])
        XCTAssertEqual(r.status, 2, "degraded exits 2\n\(r.stdout)\(r.stderr)")
        XCTAssertEqual(r.stderr, "")
        let f = facts(r.stdout)
        XCTAssertEqual(f["lockdown"], "integrity", r.stdout)
        XCTAssertTrue(f["kprobes (PMU)"]?.hasPrefix("no") ?? false, r.stdout)
        XCTAssertTrue(f["kprobe.multi (tried)"]?.hasPrefix("no") ?? false, r.stdout)
        XCTAssertTrue(f["fentry (tried)"]?.hasPrefix("no") ?? false, r.stdout)
        XCTAssertTrue(f["backend"]?.hasPrefix("tracepoint (") ?? false, r.stdout)
        XCTAssertTrue(f["mode"]?.hasPrefix("degraded (") ?? false, r.stdout)
        XCTAssertEqual(f["tracepoint raw_syscalls:sys_enter"], "yes", r.stdout)
        XCTAssertTrue(f["privileges"]?.hasPrefix("root") ?? false, r.stdout)
        XCTAssertTrue(r.stdout.contains("  kprobes: boot a kernel with CONFIG_KPROBES=y"), r.stdout)
        XCTAssertTrue(r.stdout.contains("  lockdown integrity: function tracing is refused; kpath compare runs in tracepoint mode"), r.stdout)
        // Values line up in one column.
        let starts = Set(r.stdout.split(separator: "\n", omittingEmptySubsequences: false).prefix(while: { !$0.isEmpty })
            .compactMap { l in l.range(of: ": ").map { r in l[r.upperBound...].prefix(while: { $0 == " " }).count + l.distance(from: l.startIndex, to: r.upperBound) } })
        XCTAssertEqual(starts.count, 1, "values aligned:\n\(r.stdout)")
    }

    func testJSON() throws {
        let r = try doctor(["--json"])
        XCTAssertEqual(r.status, 2, r.stderr)
        let o = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
        XCTAssertEqual(o["mode"] as? String, "degraded")
        XCTAssertEqual(o["backend"] as? String, "tracepoint")
        XCTAssertEqual(o["lockdown"] as? String, "integrity")
        XCTAssertEqual(o["kprobes"] as? Bool, false)
        let b = try XCTUnwrap(o["backends"] as? [String: Bool], r.stdout)
        XCTAssertEqual(b, ["kprobe-multi": false, "kprobe": false, "fentry": false])
        let advice = try XCTUnwrap(o["advice"] as? [String])
        XCTAssertTrue(advice.contains { $0.hasPrefix("kprobes:") }, "\(advice)")
        XCTAssertTrue(advice.contains { $0.hasPrefix("lockdown integrity:") }, "\(advice)")
    }

    /// No function backend here: the list is empty and the exit status is
    /// plain doctor's (2, degraded), not 0.
    func testBackendsListIsEmptyHereAndExitsAsDoctor() throws {
        let r = try doctor(["--backends"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertEqual(r.stdout, "")
        XCTAssertTrue(r.stderr.contains("degraded: tracepoints only"), r.stderr)
    }
}
