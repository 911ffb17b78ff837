import Foundation
import Probes
import XCTest
@testable import Reports
@testable import Sessions

/// `kpath diff` (Sessions/Diff.swift, Reports/DiffReport.swift): what counts
/// as changed, renames by FunctionRole, the real 6.1 -> 7.3 diff, bad files.
final class DiffTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Tests/fixtures").path

    func fixture(_ name: String) throws -> CompareResult {
        guard case .compare(let r) = try SavedResult.load(Self.fixtures + "/" + name) else {
            XCTFail("\(name) is not a compare result"); throw CocoaError(.fileReadCorruptFile)
        }
        return r
    }

    func testNoise() {
        let n = Noise.perDial
        XCTAssertFalse(n.changed(1, 1.4), "0.4 per dial is noise")
        XCTAssertTrue(n.changed(1, 2))
        XCTAssertFalse(n.changed(10, 11), "10% is noise")
        XCTAssertTrue(n.changed(10, 13))
        XCTAssertTrue(n.changed(0, 0.67))
        XCTAssertFalse(Noise.calls.changed(3, 4), "one call is noise")
    }

    func testOnlyRenamedChanged() {
        func v(_ f: String, _ x: Double) -> FunctionValue { FunctionValue(function: f, value: x) }
        let d = Diff.functions([v("ip4_datagram_connect", 1), v("a", 3), v("b", 1), v("gone", 2)],
                               [v("udp_connect", 1), v("__ip4_datagram_connect", 1), v("a", 6), v("b", 1.2), v("new", 1)],
                               noise: .perDial)
        XCTAssertEqual(d.onlyA, [v("gone", 2)])
        XCTAssertEqual(d.onlyB, [v("new", 1)])
        XCTAssertEqual(d.renamed.count, 1)
        XCTAssertEqual(d.renamed.first?.role, .udpConnect)
        XCTAssertEqual(d.renamed.first?.a.map(\.function), ["ip4_datagram_connect"])
        XCTAssertEqual(d.renamed.first?.b.map(\.function), ["udp_connect", "__ip4_datagram_connect"])
        XCTAssertEqual(d.changed, [CountChange(function: "a", a: 3, b: 6)])
        XCTAssertEqual(d.same, 1)
        // Counts of another kind (stack hits) are not compared.
        XCTAssertTrue(Diff.functions([v("a", 1)], [v("a", 9)], noise: .perDial, counts: false).changed.isEmpty)
    }

    func testAResultAgainstItselfIsEmpty() throws {
        let r = try fixture("compare-6.12-kprobe-multi.json")
        let d = Diff.compare(r, r)
        XCTAssertEqual(d.protocols.map(\.proto), [.tcp, .udp])
        XCTAssertTrue(d.protocols.allSatisfy { $0.phases.allSatisfy { $0.functions.isEmpty } })
        XCTAssertTrue(d.claims.isEmpty)
        XCTAssertEqual(d.claimsSame, r.claims.count)
        XCTAssertTrue(DiffReport.render(d).contains("none: all \(r.claims.count) claims judged the same on both"))
    }

    func testClaimStatusChange() throws {
        let r = try fixture("compare-6.12-kprobe-multi.json")
        var b = r
        b.claims[0].status = .notHeld
        b.claims[0].evidence = "changed evidence"
        let d = Diff.compare(r, b)
        XCTAssertEqual(d.claims.count, 1)
        XCTAssertEqual(d.claims[0].a, .held)
        XCTAssertEqual(d.claims[0].b, .notHeld)
        XCTAssertEqual(d.claims[0].evidenceB, "changed evidence")
        let text = DiffReport.render(d)
        XCTAssertTrue(text.contains("\(r.claims[0].id): held -> NOT HELD"), text)
        XCTAssertTrue(text.contains("B: changed evidence"))
    }

    func testDifferentFunctionSetsAreSaid() throws {
        let r = try fixture("compare-6.12-kprobe-multi.json")
        var a = r, b = r
        a.functionSet = CompareFunctionSet(kind: .seenInDials, matched: 926, chosen: 288)
        b.functionSet = CompareFunctionSet(kind: .all, matched: 1003, chosen: 1003)
        let d = Diff.compare(a, b)
        XCTAssertTrue(d.functionSetsDiffer)
        let text = DiffReport.render(d)
        XCTAssertTrue(text.contains("A attached 288 of 926 functions (those seen in dials), B every one of 1003 functions"), text)
        XCTAssertTrue(HTMLReport.diff(d).contains("A attached 288 of 926"))
        // Backends by the name users type (--backend), not the Swift case.
        XCTAssertTrue(text.contains("backend kprobe-multi, 3 dials"), text)
        XCTAssertTrue(HTMLReport.diff(d).contains("backend kprobe-multi"))
        // The same set on both (or none recorded: all) says nothing.
        a.functionSet = nil
        XCTAssertFalse(Diff.compare(a, b).functionSetsDiffer)
        XCTAssertFalse(DiffReport.render(Diff.compare(a, b)).contains("a function only on one side"))
    }

    func testFunccountDiff() throws {
        func f(_ counts: [(String, UInt64)]) -> FunccountResult {
            FunccountResult(AttachSummary(kernel: "k", backend: .kprobe, patterns: ["udp_*"], attached: 3, skipped: [], attachSeconds: 0),
                            FunctionCounts(counts: counts.map { FunctionCount(function: $0.0, count: $0.1) }, lost: StackLosses()))
        }
        let d = try Diff.run(.funccount(f([("udp_sendmsg", 10), ("udp_a", 5)])), .funccount(f([("udp_sendmsg", 20), ("udp_b", 1)])))
        XCTAssertEqual(d.kind, .funccount)
        XCTAssertEqual(d.counts?.onlyA.map(\.function), ["udp_a"])
        XCTAssertEqual(d.counts?.onlyB.map(\.function), ["udp_b"])
        XCTAssertEqual(d.counts?.changed, [CountChange(function: "udp_sendmsg", a: 10, b: 20)])
        let text = DiffReport.render(d)
        XCTAssertTrue(text.contains("only A (1): udp_a 5"), text)
        XCTAssertTrue(text.contains("+10 (x2.00)"), text)
        XCTAssertTrue(text.contains("more than 1 call and 20%"), text)
    }

    // MARK: the real thing: Debian 6.1 and 7.3 in the VM (Tests/fixtures)

    func testReal61To73() throws {
        let a = try fixture("compare-6.1.json"), b = try fixture("compare-7.3.json")
        XCTAssertTrue(a.kernel.hasPrefix("6.1."), a.kernel)
        XCTAssertTrue(b.kernel.hasPrefix("7.3."), b.kernel)
        let d = Diff.compare(a, b, fileA: "compare-6.1.json", fileB: "compare-7.3.json")
        let udp = try XCTUnwrap(d.protocols.first { $0.proto == .udp })
        let connect = try XCTUnwrap(udp.phases.first { $0.phase == .connect })
        // udp_connect is new on 7.3, the successor of ip4_datagram_connect.
        let rename = try XCTUnwrap(connect.functions.renamed.first { $0.role == .udpConnect })
        XCTAssertTrue(rename.a.map(\.function).contains("ip4_datagram_connect"))
        XCTAssertTrue(rename.b.map(\.function).contains("udp_connect"))
        XCTAssertFalse(connect.functions.onlyB.contains { $0.function == "udp_connect" })
        let text = DiffReport.render(d)
        XCTAssertTrue(text.contains("renamed (udp-connect): ip4_datagram_connect 1 -> udp_connect 1"), text)
        XCTAssertTrue(text.contains("A:  kernel \(a.kernel)"), text)
        XCTAssertTrue(text.contains("B:  kernel \(b.kernel)"), text)
        XCTAssertTrue(text.contains("more than 0.5 per dial and 20% of the larger"))
        // --json round-trips; --html names both kernels and the rename.
        let back = try JSONDecoder().decode(DiffResult.self, from: Data(try JSONReport.encode(d).utf8))
        XCTAssertEqual(back.protocols.count, d.protocols.count)
        let html = HTMLReport.diff(d)
        XCTAssertTrue(html.contains("\(a.kernel) → \(b.kernel)"))
        XCTAssertTrue(html.contains("renamed (udp-connect)"))
        XCTAssertTrue(html.contains("<code>udp_connect</code>"))
    }

    // MARK: bad files

    func testBadFiles() throws {
        let dir = NSTemporaryDirectory() + "kpath-diff-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func file(_ name: String, _ text: String) throws -> String {
            let p = dir + "/" + name
            try text.write(toFile: p, atomically: true, encoding: .utf8)
            return p
        }
        XCTAssertThrowsError(try SavedResult.load(dir + "/missing.json")) {
            XCTAssertEqual($0 as? SavedResultError, .unreadable(path: dir + "/missing.json", reason: "No such file or directory"))
        }
        XCTAssertThrowsError(try SavedResult.load(dir)) { guard case .unreadable? = $0 as? SavedResultError else { return XCTFail("\($0)") } }
        for (name, text) in [("text.json", "kpath compare tcp udp\n"), ("array.json", "[1, 2]"), ("empty.json", "")] {
            let p = try file(name, text)
            XCTAssertThrowsError(try SavedResult.load(p)) { XCTAssertEqual($0 as? SavedResultError, .notJSON(path: p)) }
        }
        let other = try file("other.json", "{\"name\": 1}")
        XCTAssertThrowsError(try SavedResult.load(other)) {
            XCTAssertTrue("\($0)".contains("neither \"runs\" (compare) nor \"counts\" (funccount)"), "\($0)")
        }
        let broken = try file("broken.json", "{\"runs\": [], \"kernel\": \"6.1\"}")
        XCTAssertThrowsError(try SavedResult.load(broken)) {
            XCTAssertTrue("\($0)".contains("as a compare result: field backend is missing"), "\($0)")
        }
        let fc = try file("fc.json", """
            {"kernel": "6.1", "backend": "kprobe", "patterns": ["udp_*"], "attached": 1, "skipped": [], "attachSeconds": 0,
             "counts": [{"function": "udp_sendmsg", "count": 3}],
             "lost": {"stacks": 0, "counts": 0, "events": 0, "tracked": 0}}
            """)
        let c = Self.fixtures + "/compare-6.12-kprobe-multi.json"
        let loadedFC: SavedResult
        do { loadedFC = try SavedResult.load(fc) } catch { return XCTFail("a funccount result: \(error)") }
        XCTAssertThrowsError(try Diff.run(try SavedResult.load(c), loadedFC, fileA: c, fileB: fc)) {
            XCTAssertEqual($0 as? SavedResultError, .kindsDiffer(a: c, aKind: .compare, b: fc, bKind: .funccount))
            XCTAssertTrue("\($0)".hasSuffix("is a funccount result; diff two of the same kind"), "\($0)")
        }
    }
}

extension DiffTests {
    /// 6.1 sends TCP's FIN from task_work after close(2) returned (no-syscall);
    /// later kernels inside close: one move each, not an only-A and an only-B.
    func testMovesBetweenSyscalls() throws {
        let a = try fixture("compare-6.1.json"), b = try fixture("compare-7.3.json")
        let tcp = try XCTUnwrap(Diff.compare(a, b).protocols.first { $0.proto == .tcp })
        let close = try XCTUnwrap(tcp.moved.first { $0.a.function == "tcp_close" })
        XCTAssertEqual(close.from, .none)
        XCTAssertEqual(close.to, .close)
        for ph in tcp.phases {
            XCTAssertFalse(ph.functions.onlyA.contains { $0.function == "tcp_close" }, ph.phase.description)
            XCTAssertFalse(ph.functions.onlyB.contains { $0.function == "tcp_close" }, ph.phase.description)
        }
        // A compiler clone moves too, under its other name.
        XCTAssertTrue(tcp.moved.contains { $0.a.function == "ip_rcv_finish_core.constprop.0" && $0.b.function == "ip_rcv_finish_core" })
        XCTAssertTrue(DiffReport.render(Diff.compare(a, b)).contains("TCP moved from no-syscall in A to close in B ("))
    }
}
