import Foundation
import XCTest
@testable import Sessions
@testable import Reports
import Probes

/// Phase, role, packet moment, backend and side are enums in the compare model
/// now; saved results (written when they were strings) must load, and a result
/// must save to the same JSON it was read from.
final class CompareJSONTests: XCTestCase {
    static let fixtures = DiffTests.fixtures

    func testSavedResultsRoundTripToTheSameJSON() throws {
        for name in ["compare-6.1.json", "compare-7.3.json"] {
            let data = try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/" + name))
            let result = try JSONDecoder().decode(CompareResult.self, from: data)
            let again = try JSONEncoder().encode(result)
            let before = try JSONSerialization.jsonObject(with: data) as? NSDictionary
            let after = try JSONSerialization.jsonObject(with: again) as? NSDictionary
            XCTAssertNotNil(before)
            XCTAssertEqual(before, after, "\(name) does not save back to the JSON it was read from")
        }
    }

    func testTypedFieldsReadTheirNames() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/compare-6.1.json"))
        let r = try JSONDecoder().decode(CompareResult.self, from: data)
        let tcp = try XCTUnwrap(r.run(.tcp))
        XCTAssertNotNil(tcp.phase(.connect), "the connect phase by enum")
        XCTAssertTrue(tcp.packets.contains { $0.phase == .during(.connect) && $0.sender == .client && $0.flags == "SYN" })
        XCTAssertTrue(tcp.stacks.contains { $0.role == .client })
        XCTAssertEqual(r.side, .client)
    }

    /// A fresh run keeps records; its JSON holds their strace lines, as saved
    /// results always did, and those lines load back as lines.
    func testRecordsSaveAsStraceLines() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/compare-6.1.json"))
        var r = try JSONDecoder().decode(CompareResult.self, from: data)
        let socket = SyscallRecord(pid: 10, name: "socket", args: [2, 1, 0], ret: 3)
        r.runs[0].syscalls = [.record(socket)]
        r.claims[0].evidence = "TCP: \(socket) / UDP: none"
        XCTAssertThrowsError(try JSONEncoder().encode(r), "records render only through Reports")
        let json = try JSONReport.encode(r)
        let line = StraceFormat.line(socket, Strace.Options(align: false))
        XCTAssertTrue(line.hasPrefix("socket(AF_INET, SOCK_STREAM"), line)
        let back = try JSONDecoder().decode(CompareResult.self, from: Data(json.utf8))
        XCTAssertEqual(back.runs[0].syscalls, [.saved(line)])
        XCTAssertEqual(back.claims[0].evidence, Evidence("TCP: \(line) / UDP: none"))
    }

    /// funccount's and graph's results share their attach summary; in JSON its
    /// keys stay beside the result's own, as before.
    func testAttachSummaryKeysStayFlat() throws {
        let r = FunccountResult(AttachSummary(kernel: "6.1", backend: .kprobe, patterns: ["udp_*"], attached: 1, skipped: [], attachSeconds: 0),
                                FunctionCounts(counts: [FunctionCount(function: "udp_sendmsg", count: 2)], lost: StackLosses()))
        let json = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(r)) as? [String: Any]
        XCTAssertEqual(json.map { Set($0.keys) }, ["kernel", "backend", "patterns", "attached", "skipped", "attachSeconds", "counts", "lost"])
        let back = try JSONDecoder().decode(FunccountResult.self, from: try JSONEncoder().encode(r))
        XCTAssertEqual(back.attach.backend, Backend.kprobe)
        XCTAssertEqual(back.counts, r.counts)
    }
}
