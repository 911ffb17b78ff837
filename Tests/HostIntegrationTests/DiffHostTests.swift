// `kpath diff` as a user runs it: the real 6.1 and 7.3 results, and each
// bad input giving one line on stderr, exit 1, nothing on stdout.
import Foundation
import XCTest

final class DiffHostTests: XCTestCase {
    static var kpath: String { kpathBinary() }
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Tests/fixtures").path
    var dir = ""

    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: Self.kpath), "no kpath binary at \(Self.kpath): swift build first")
        dir = NSTemporaryDirectory() + "kpath-diff-host-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func testReal61To73() throws {
        // Run where the files are: the header names them as given.
        let a = "compare-6.1.json", b = "compare-7.3.json"
        let text = try runCommand(Self.kpath, ["diff", a, b], directory: Self.fixtures)
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("renamed (udp-connect): ip4_datagram_connect"), text.stdout)
        XCTAssertLessThanOrEqual(text.lines.map(\.count).max() ?? 0, 100, "fits 100 columns")
        let json = try runCommand(Self.kpath, ["diff", "--json", a, b], directory: Self.fixtures)
        XCTAssertEqual(json.status, 0, json.stderr)
        let obj = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(obj?["kind"] as? String, "compare")
        let html = dir + "/diff.html"
        let page = try runCommand(Self.kpath, ["diff", a, b, "--html", html], directory: Self.fixtures)
        XCTAssertEqual(page.status, 0, page.stderr)
        XCTAssertTrue(try String(contentsOfFile: html, encoding: .utf8).contains("<code>udp_connect</code>"))
    }

    func testBadInputs() throws {
        let good = Self.fixtures + "/compare-6.1.json"
        let text = dir + "/text.json", fc = dir + "/fc.json"
        try "not json\n".write(toFile: text, atomically: true, encoding: .utf8)
        try """
            {"kernel": "6.1", "backend": "kprobe", "patterns": ["udp_*"], "attached": 1, "skipped": [], "attachSeconds": 0,
             "counts": [], "lost": {"stacks": 0, "counts": 0, "events": 0, "tracked": 0}}
            """.write(toFile: fc, atomically: true, encoding: .utf8)
        let cases: [([String], String, Int32)] = [
            (["diff", dir + "/missing.json", good], "cannot read \"\(dir)/missing.json\": No such file or directory", 1),
            (["diff", good, text], "\"\(text)\" is not a JSON object", 1),
            (["diff", good, fc], "is a compare result but \"\(fc)\" is a funccount result", 1),
            (["diff", good], "missing expected argument", 64),
            (["diff", good, good, "--html", dir], "it is a directory", 64),
        ]
        for (args, expect, status) in cases {
            let r = try runCommand(Self.kpath, args)
            XCTAssertEqual(r.status, status, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(expect), "\(args): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "\(args): one line: \(r.stderr)")
            XCTAssertTrue(r.stdout.isEmpty, "\(args): \(r.stdout)")
        }
    }
}
