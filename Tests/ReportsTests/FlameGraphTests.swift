import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import Reports
@testable import Sessions

final class FlameGraphTests: XCTestCase {
    func folded(_ text: String) throws -> FoldedStacks { try FoldedStacks.parse(text) }

    func frame(_ frames: [FlameGraph.Frame], _ path: String) -> FlameGraph.Frame? {
        frames.first { $0.path.joined(separator: ";") == path }
    }

    func testWidthsAreProportionalToCounts() throws {
        let f = FlameGraph.layout(try folded("cmd;a;b 3\ncmd;a;c 1\n"))
        let root = try XCTUnwrap(f.first)
        XCTAssertEqual(root.name, "all")
        XCTAssertEqual(root.count, 4)
        XCTAssertEqual(root.width, 1.0)
        let b = try XCTUnwrap(frame(f, "cmd;a;b")), c = try XCTUnwrap(frame(f, "cmd;a;c"))
        XCTAssertEqual(b.width, 0.75, accuracy: 1e-9)
        XCTAssertEqual(c.width, 0.25, accuracy: 1e-9)
        // Siblings side by side, ordered by name, inside their parent.
        XCTAssertEqual(b.x, 0, accuracy: 1e-9)
        XCTAssertEqual(c.x, 0.75, accuracy: 1e-9)
        XCTAssertEqual(b.depth, 3)
        XCTAssertEqual(frame(f, "cmd;a")?.width ?? 0, 1.0, accuracy: 1e-9)
    }

    func testCommonPrefixesMergeButEqualNamesUnderOtherParentsDoNot() throws {
        let f = FlameGraph.layout(try folded("""
        x;a;b 2
        x;a;c 1
        y;a;b 1
        x;a;b 5
        """))
        // all, x, x;a, x;a;b, x;a;c, y, y;a, y;a;b
        XCTAssertEqual(f.count, 8)
        XCTAssertEqual(frame(f, "x;a;b")?.count, 7, "identical lines are summed into one frame")
        XCTAssertEqual(frame(f, "x;a")?.count, 8)
        XCTAssertEqual(frame(f, "y;a;b")?.count, 1)
        XCTAssertEqual(f.filter { $0.name == "a" }.count, 2)
    }

    func testParentWiderThanChildrenWhenStacksEndThere() throws {
        // A stack may end at a frame that is also a prefix of a deeper one.
        let f = FlameGraph.layout(try folded("c;a 2\nc;a;b 2\n"))
        XCTAssertEqual(frame(f, "c;a")?.width ?? 0, 1.0, accuracy: 1e-9)
        XCTAssertEqual(frame(f, "c;a;b")?.width ?? 0, 0.5, accuracy: 1e-9)
    }

    /// Counts the frame groups and reads their tooltips and rect widths with XMLParser.
    final class FrameCounter: NSObject, XMLParserDelegate {
        var frames = 0, rectsInFrames = 0, inFrame = false, inTitle = false, svgRoot = false
        var titles: [String] = []
        var widths: [Double] = []
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            if name == "svg" { svgRoot = true }
            if name == "g", attributes["class"] == "frame" { frames += 1; inFrame = true }
            if name == "rect", inFrame { rectsInFrames += 1; widths.append(Double(attributes["width"] ?? "") ?? -1) }
            if name == "title", inFrame { inTitle = true; titles.append("") }
        }
        func parser(_ parser: XMLParser, foundCharacters s: String) {
            if inTitle { titles[titles.count - 1] += s }
        }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "g" { inFrame = false }
            if name == "title" { inTitle = false }
        }
    }

    func parse(_ svg: String) throws -> FrameCounter {
        let p = XMLParser(data: Data(svg.utf8))
        let d = FrameCounter()
        p.delegate = d
        XCTAssertTrue(p.parse(), "SVG is not well-formed XML: \(String(describing: p.parserError))")
        return d
    }

    func testSVGIsWellFormedWithOneRectPerFrameAndTooltips() throws {
        let input = try folded("""
        kpath;entry_SYSCALL_64_after_hwframe;do_syscall_64;__sys_connect;tcp_v4_connect;tcp_connect 3
        kpath;entry_SYSCALL_64_after_hwframe;do_syscall_64;ksys_write;tcp_sendmsg 1
        odd<&>"name';x 2
        """)
        let svg = FlameGraph.svg(folded: input, title: "kpath stacks <test> & more")
        let d = try parse(svg)
        XCTAssertTrue(d.svgRoot)
        XCTAssertEqual(d.frames, FlameGraph.layout(input).count)
        XCTAssertEqual(d.rectsInFrames, d.frames)
        XCTAssertTrue(d.titles.contains("all (6 samples, 100.00%)"), "\(d.titles)")
        XCTAssertTrue(d.titles.contains("tcp_v4_connect (3 samples, 50.00%)"))
        XCTAssertTrue(d.titles.contains("odd<&>\"name' (2 samples, 33.33%)"))
        // Root spans the usable width (1200 - 2 * 10); the connect tower is half of it.
        XCTAssertEqual(d.widths.first ?? 0, 1180, accuracy: 0.01)
        XCTAssertTrue(d.widths.contains { abs($0 - 590) < 0.01 })
        XCTAssertFalse(svg.contains("<script"), "self-contained: no scripts")
    }

    func testRootAllIsAtTheBottom() throws {
        let svg = FlameGraph.svg(folded: try folded("a;b;c 1\n"), title: "t")
        func y(of name: String) -> Int? {
            guard let r = svg.range(of: "<title>\(name) ") else { return nil }
            let rest = svg[r.upperBound...]
            guard let yr = rest.range(of: "y=\"") else { return nil }
            return Int(rest[yr.upperBound...].prefix { $0.isNumber })
        }
        let all = try XCTUnwrap(y(of: "all")), a = try XCTUnwrap(y(of: "a")), c = try XCTUnwrap(y(of: "c"))
        XCTAssertGreaterThan(all, a)
        XCTAssertGreaterThan(a, c)
    }

    func testLabelsTruncateToFit() {
        XCTAssertEqual(FlameGraph.fit("tcp_v4_connect", chars: 20), "tcp_v4_connect")
        XCTAssertEqual(FlameGraph.fit("tcp_v4_connect", chars: 8), "tcp_v4..")
        XCTAssertEqual(FlameGraph.fit("tcp_v4_connect", chars: 2), "")
        let svg = FlameGraph.svg(folded: FoldedStacks(lines: [
            .init(frames: ["c", "a_very_long_function_name_that_will_not_fit"], count: 1),
            .init(frames: ["c", "wide"], count: 999),
        ]), title: "t")
        XCTAssertFalse(svg.contains(">a_very_long_function_name_that_will_not_fit</text>"))
        XCTAssertTrue(svg.contains("<title>a_very_long_function_name_that_will_not_fit (1 sample, 0.10%)</title>"))
    }

    func testColoursAreWarmAndStablePerFunction() {
        let a = FlameGraph.color("tcp_v4_connect+0x474")
        XCTAssertEqual(a, FlameGraph.color("tcp_v4_connect"))
        XCTAssertEqual(a, FlameGraph.color("tcp_v4_connect+0x5"))
        for name in ["tcp_v4_connect", "udp_sendmsg", "all", "x"] {
            let c = FlameGraph.color(name).dropFirst(4).dropLast().split(separator: ",").compactMap { Int($0) }
            XCTAssertEqual(c.count, 3)
            XCTAssertGreaterThanOrEqual(c[0], 205, "red dominates: \(name)")
            XCTAssertLessThanOrEqual(c[1], 230)
            XCTAssertLessThanOrEqual(c[2], 55)
        }
        XCTAssertNotEqual(FlameGraph.color("tcp_v4_connect"), FlameGraph.color("udp_sendmsg"))
    }

    func testAtomicWriteLeavesOnlyTheFinishedFile() throws {
        let dir = NSTemporaryDirectory() + "kpath-fg-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/out.svg"
        try AtomicFile.checkWritable(path)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [], "the check leaves nothing behind")
        try "old".write(toFile: path, atomically: false, encoding: .utf8)
        try AtomicFile.write("<svg/>\n", to: path)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "<svg/>\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["out.svg"])

        XCTAssertThrowsError(try AtomicFile.checkWritable(dir + "/no-such-dir/x.svg")) { e in
            XCTAssertTrue("\(e)".contains("No such file or directory"), "\(e)")
        }
        XCTAssertThrowsError(try AtomicFile.checkWritable(dir)) { e in
            XCTAssertTrue("\(e)".contains("is a directory"), "\(e)")
        }
        XCTAssertThrowsError(try AtomicFile.write("x", to: dir + "/no-such-dir/x.svg"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/no-such-dir"))
    }
}
