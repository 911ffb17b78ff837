import Foundation
import XCTest
@testable import Reports
@testable import Sessions

/// Text reports fit the terminal (Terminal.width): prose and function lists
/// wrap, stack frames and tour evidence are clipped with `…`, only table rows
/// may be wider (a table is as wide as its cells; docs/json.md, "Width").
final class WidthTests: XCTestCase {
    static let fixtures = DiffTests.fixtures

    func compare(_ name: String) throws -> CompareResult {
        guard case .compare(let r) = try SavedResult.load(Self.fixtures + "/" + name) else { throw XCTSkip("\(name) is not a compare result") }
        return r
    }

    /// Lines wider than `width` that are not rows of a table (columns of two or more spaces).
    func tooWide(_ text: String, _ width: Int) -> [Substring] {
        text.split(separator: "\n").filter { $0.count > width && !Self.isTableRow($0) }
    }

    static func isTableRow(_ line: Substring) -> Bool {
        line.trimmingCharacters(in: .whitespaces).range(of: #"\S  +\S"#, options: .regularExpression) != nil
    }

    func testCompareFitsSixtyAndTwoHundredColumns() throws {
        for name in ["compare-6.1.json", "compare-7.3.json", "compare-6.12-kprobe-multi.json"] {
            let r = try compare(name)
            for width in [60, 80, 200] {
                let text = CompareReport.render(r, width: width)
                XCTAssertEqual(tooWide(text, width), [], "\(name) at \(width) columns")
                // Wrapped, not cut: every function of every "only in" list is still there.
                for run in r.runs {
                    for ph in run.phases where ph.phase == .connect {
                        for f in ph.functions.prefix(3) { XCTAssertTrue(text.contains(f.function), "\(f.function) lost at \(width)") }
                    }
                }
                for c in r.claims { XCTAssertTrue(text.contains("\(c.id): "), "claim \(c.id) at \(width)") }
            }
            // The widest table row at 60 columns: the packet table (documented).
            let longest = CompareReport.render(r, width: 60).split(separator: "\n").map(\.count).max() ?? 0
            XCTAssertLessThan(longest, 375, "compare lines used to reach 375 columns")
        }
    }

    func testClaimEvidenceWrapsUnderItsMark() throws {
        let r = try compare("compare-6.1.json")
        let text = CompareReport.render(r, width: 60)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let i = lines.firstIndex(where: { $0.hasPrefix("[held    ] ") }) else { return XCTFail(text) }
        XCTAssertTrue(lines[i + 1].hasPrefix("           "), "evidence indented under the claim: \(lines[i + 1])")
    }

    func testTourStepFitsSixtyColumns() {
        let step = TourStep(section: "dialing", number: 2, title: TourSection.dialing.title, explanation: TourSection.dialing.explanation,
                            commands: [TourCommandRun(display: "sudo kpath funccount 'tcp_*' -- kpath echo client --proto tcp --to 127.0.0.1:40000 --count 1",
                                                      exitStatus: 0, lines: [Evidence(String(repeating: "x", count: 120))])],
                            evidence: [String(repeating: "evidence ", count: 20)],
                            claims: [Claim(id: "tcp-connect-transmits", title: Claims.titles[4].1, status: .held,
                                           evidence: String(repeating: "evidence ", count: 30))],
                            cannotShow: "counting calls needs kprobes")
        for width in [60, 200] {
            let text = TourReport.step(step, of: 6, style: .init(color: false), width: width)
                + TourReport.summary([step], style: .init(color: false), width: width)
                + TourReport.header(kernel: "6.18.0", backend: .tracepoint, mode: .tracepoints, modeReason: "no kprobes",
                                    compareCommand: "kpath compare tcp udp --count 3", steps: 6, style: .init(color: false), width: width)
            for line in text.split(separator: "\n") { XCTAssertLessThanOrEqual(line.count, width, String(line)) }
            if width < 120 { XCTAssertTrue(text.contains("…"), "the 120-column output line is clipped with a marker") }
        }
        // At 200 columns the 120-column line is whole.
        XCTAssertTrue(TourReport.step(step, of: 6, style: .init(color: false), width: 200).contains(String(repeating: "x", count: 120)))
    }

    func testTerminalWidth() {
        XCTAssertEqual(Terminal.detect(columns: "60", fd: -1), 60)
        XCTAssertEqual(Terminal.detect(columns: "200", fd: -1), 200)
        XCTAssertEqual(Terminal.detect(columns: "10", fd: -1), Terminal.minimum, "never narrower than 40")
        XCTAssertEqual(Terminal.detect(columns: "wide", fd: -1), 80, "not a number, not a tty: 80")
        XCTAssertEqual(Terminal.detect(columns: nil, fd: -1), 80)
        XCTAssertEqual(Terminal.wrap("aaa bbb ccc", width: 7, first: "", indent: "  "), "aaa bbb\n  ccc")
        XCTAssertEqual(Terminal.wrap(String(repeating: "z", count: 12), width: 5), String(repeating: "z", count: 12), "a long word is kept whole")
        XCTAssertEqual(Terminal.wrapList(["a1", "b2", "c3"], width: 10, first: "x: ", indent: "   "), "x: a1, b2,\n   c3")
        XCTAssertEqual(Terminal.clip("abcdef", width: 4), "abc…")
        XCTAssertEqual(Terminal.clip("abc", width: 4), "abc")
    }
}

/// Every --json document carries schema_version; files saved before it load as before.
final class JSONSchemaTests: XCTestCase {
    func testDocumentHasSchemaVersionAndStillLoads() throws {
        let path = DiffTests.fixtures + "/compare-6.1.json"
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertFalse(String(decoding: data, as: UTF8.self).contains("schema_version"), "the fixture predates schema_version")
        let r = try JSONDecoder().decode(CompareResult.self, from: data)
        let doc = try JSONReport.document(r)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(doc.utf8)) as? [String: Any])
        XCTAssertEqual(obj["schema_version"] as? Int, JSONSchema.version)
        guard case .compare(let again) = try SavedResult.decode(Data(doc.utf8), path: "new.json") else { return XCTFail("not read back as compare") }
        // Saved without the wrapper, it is the same JSON as the file it came from.
        XCTAssertEqual(try JSONReport.encode(again), try JSONReport.encode(r))
    }

    func testStreamLinesAreOneLineEach() throws {
        let rec = SyscallRecord(pid: 1, tid: 1, comm: "sh", name: "connect", args: [3, 0, 16], ret: -111, enterNs: 1, exitNs: 2)
        let line = try StreamJSON.syscall(rec, line: "connect(3, ...) = -1 ECONNREFUSED")
        XCTAssertTrue(line.hasSuffix("\n"))
        XCTAssertEqual(line.dropLast().contains("\n"), false)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        XCTAssertEqual(obj["schema_version"] as? Int, 1)
        XCTAssertEqual(obj["type"] as? String, "syscall")
        XCTAssertEqual(obj["name"] as? String, "connect")
        XCTAssertEqual(obj["ret"] as? Int, -111)
    }
}
