import Foundation
import XCTest
@testable import Reports
@testable import Sessions
import Probes

/// compare's function set where each function is one kprobe: the dialed
/// functions, never fewer than the claims and the report need.
final class CompareFunctionSetTests: XCTestCase {
    func fixture(_ name: String) throws -> CompareResult {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Tests/fixtures/\(name)")
        return try JSONDecoder().decode(CompareResult.self, from: Data(contentsOf: url))
    }
    let fixtures = ["compare-6.1.json", "compare-6.12-kprobe-multi.json", "compare-7.3.json"]

    func testEveryFunctionAClaimOrTheReportNamesIsKept() {
        var names = CompareFunctionSet.named.union(CompareReport.keyFunctions)
        names.formUnion(FunctionRole.allCases.flatMap(\.allNames))
        names.formUnion(PairClaims.ip6Connect + PairClaims.ip6Route)
        for n in names.sorted() { XCTAssertTrue(CompareFunctionSet.isKept(n), n) }
    }

    func testEveryFunctionThatFiredInTheFixturesIsKept() throws {
        for f in fixtures {
            let r = try fixture(f)
            XCTAssertNil(r.functionSet, "\(f) was saved before the field existed and still loads")
            for run in r.runs { for ph in run.phases { for h in ph.functions where h.calls > 0 {
                XCTAssertTrue(CompareFunctionSet.isKept(h.function), "\(f): \(h.function)")
            } } }
        }
    }

    func testAutoTrimsOnlyPerFunctionKprobes() {
        let matched = ["tcp_v4_connect", "tcp_connect", "ip_send_skb.isra.0", "tcp_never_seen_here", "udp_lib_getsockopt_unseen"]
        let (k, fk) = CompareFunctionSet.choose(.auto, backend: .kprobe, commands: false, matched: matched)
        XCTAssertEqual(k.kind, .seenInDials)
        XCTAssertEqual(fk, ["tcp_v4_connect", "tcp_connect", "ip_send_skb.isra.0"])
        XCTAssertEqual(k.matched, 5)
        XCTAssertEqual(k.chosen, 3)
        for b in [Backend.kprobeMulti, .fentry] {
            let (s, f) = CompareFunctionSet.choose(.auto, backend: b, commands: false, matched: matched)
            XCTAssertEqual(s.kind, .all)
            XCTAssertEqual(f, matched)
        }
        // --run commands, --functions all, given patterns: every match.
        XCTAssertEqual(CompareFunctionSet.choose(.auto, backend: .kprobe, commands: true, matched: matched).1, matched)
        XCTAssertEqual(CompareFunctionSet.choose(.all, backend: .kprobe, commands: false, matched: matched).1, matched)
        let (g, fg) = CompareFunctionSet.choose(.given, backend: .kprobe, commands: false, matched: matched)
        XCTAssertEqual(g.kind, .given)
        XCTAssertEqual(fg, matched)
        // --functions seen on a kprobe.multi kernel: the same trimmed set.
        XCTAssertEqual(CompareFunctionSet.choose(.seen, backend: .kprobeMulti, commands: false, matched: matched).1, fk)
    }

    func testTheHeaderSaysWhatWasLeftOutAndTheJSONRecordsIt() throws {
        var r = try fixture("compare-6.1.json")
        XCTAssertFalse(CompareReport.render(r, width: 200).contains("per-function kprobes here"))
        r.functionSet = CompareFunctionSet(kind: .seenInDials, matched: 926, chosen: 310, secondsPerFunction: 0.08)
        let text = CompareReport.render(r, width: 300)
        XCTAssertTrue(text.contains("per-function kprobes here: 310 of 926 functions attached (those seen in compare's dials on the kernels kpath is tested on); --functions all attaches every one (about 49 s more to attach, and about as long to detach)"), text)
        let json = try JSONReport.document(r)
        XCTAssertTrue(json.contains("\"kind\" : \"seen-in-dials\"") || json.contains("\"kind\":\"seen-in-dials\""), json.prefix(2000).description)
        let back = try JSONDecoder().decode(CompareResult.self, from: Data(json.utf8))
        XCTAssertEqual(back.functionSet, r.functionSet)
        XCTAssertNil(CompareFunctionSet(kind: .all, matched: 955, chosen: 955).headerLine)
    }
}
