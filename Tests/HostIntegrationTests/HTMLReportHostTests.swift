// `kpath compare --html` opened in a real browser: Debian's chromium,
// headless (scripts/install-deps installs it). A real run on this kernel
// (tracepoint mode where kprobes are locked down) and the 6.12 VM fixture
// (functions mode), each screenshotted at 1366x900 and dumped as DOM.
// Needs root for the run; the kpath binary is the one built next to this
// test bundle (or $KPATH_BINARY).
import Foundation
import Glibc
import Reports
import Sessions
import XCTest

final class HTMLReportHostTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        guard chromium != nil else {
            // CI installs chromium (scripts/install-deps): missing there is a failure, not a skip.
            if ProcessInfo.processInfo.environment["CI"] != nil { throw NoChromium() }
            throw XCTSkip("no chromium on PATH (apt-get install chromium, or run scripts/install-deps)")
        }
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("kpath-html-\(getpid())-\(name.filter(\.isLetter))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() {
        // Keep the files when asked (to look at the screenshots).
        if ProcessInfo.processInfo.environment["KPATH_KEEP_HTML"] == nil, !dir.isEmpty { try? FileManager.default.removeItem(atPath: dir) }
    }

    struct NoChromium: Error, CustomStringConvertible { var description: String { "chromium is not installed; scripts/install-deps installs it" } }

    var chromium: String? {
        for d in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") + ["/usr/bin"] {
            for name in ["chromium", "chromium-browser"] where access("\(d)/\(name)", X_OK) == 0 { return "\(d)/\(name)" }
        }
        return nil
    }

    static var kpath: String { kpathBinary() }

    typealias Run = CommandRun

    /// Runs `exe args`, killing it after `timeout` seconds.
    func run(_ exe: String, _ args: [String], timeout: Double = 120) throws -> Run {
        try runCommand(exe, args, timeout: timeout, stopSignal: SIGTERM)
    }

    /// Headless chromium on `file`: `--dump-dom` (the DOM after load) with the
    /// page's console on stderr, or `--screenshot`.
    func chrome(_ file: String, _ mode: [String]) throws -> Run {
        try run(chromium!, ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
                            "--user-data-dir=\(dir)/profile", "--window-size=1366,900",
                            "--enable-logging=stderr", "--v=0"] + mode + ["file://\(file)"], timeout: 90)
    }

    /// Opens the report: it must render with its title, tables and SVGs, log
    /// nothing to the console (a blocked fetch or a parse error would), and
    /// paint a 1366x900 screenshot that is not blank.
    func checkInBrowser(_ file: String, title: String, expect: [String]) throws {
        let dom = try chrome(file, ["--dump-dom"])
        XCTAssertEqual(dom.status, 0, dom.stderr)
        XCTAssertTrue(dom.stdout.contains("<title>\(HTMLReport.esc(title))</title>"), "title missing from the DOM: \(dom.stdout.prefix(300))")
        XCTAssertGreaterThanOrEqual(dom.stdout.components(separatedBy: "<table").count - 1, 4, "tables")
        XCTAssertGreaterThanOrEqual(dom.stdout.components(separatedBy: "<svg").count - 1, 3, "SVGs (flame graphs and packet diagrams)")
        XCTAssertTrue(dom.stdout.contains("<svg id=\"flame-tcp\""), "TCP's flame graph")
        XCTAssertTrue(dom.stdout.contains("<svg id=\"flame-udp\""), "UDP's flame graph")
        for s in expect { XCTAssertTrue(dom.stdout.contains(s), "the DOM lacks \(s)") }
        let console = dom.stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") }
        XCTAssertEqual(console, [], "console messages: the page tried something it should not")

        let png = "\(dir)/\((file as NSString).lastPathComponent).png"
        let shot = try chrome(file, ["--screenshot=\(png)"])
        XCTAssertEqual(shot.status, 0, shot.stderr)
        let data = try Data(contentsOf: URL(fileURLWithPath: png))
        let (w, h) = try pngSize(data)
        XCTAssertEqual(w, 1366)
        XCTAssertEqual(h, 900)
        let check = try run("/usr/bin/env", ["python3", "-c", Self.pngColours, png], timeout: 60)
        XCTAssertEqual(check.status, 0, check.stderr)
        // "distinct background-share": a painted page has text, badges and colours.
        let parts = check.stdout.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        XCTAssertEqual(parts.count, 2, check.stdout)
        if parts.count == 2 {
            XCTAssertGreaterThan(parts[0], 50, "distinct colours in the screenshot: a blank page?")
            XCTAssertLessThan(parts[1], 0.97, "share of background pixels: a blank page?")
        }
    }

    func pngSize(_ d: Data) throws -> (Int, Int) {
        let b = [UInt8](d.prefix(24))
        guard b.count == 24, b[0..<8] == [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], b[12..<16] == [0x49, 0x48, 0x44, 0x52] else {
            throw POSIXError(.EINVAL)
        }
        func be(_ i: Int) -> Int { Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3]) }
        return (be(16), be(20))
    }

    /// Decodes an 8-bit RGB(A) PNG with zlib and prints "distinct-colours background-share".
    static let pngColours = #"""
    import sys, zlib, struct, collections
    d = open(sys.argv[1], 'rb').read()
    i, idat = 8, b''
    while i < len(d):
        n, = struct.unpack('>I', d[i:i+4]); t = d[i+4:i+8]; c = d[i+8:i+8+n]; i += 12 + n
        if t == b'IHDR': w, h, depth, ctype, _, _, inter = struct.unpack('>IIBBBBB', c)
        elif t == b'IDAT': idat += c
    assert depth == 8 and ctype in (2, 6) and inter == 0, (depth, ctype, inter)
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat); stride = w * bpp; prev = bytearray(stride); p = 0
    counts = collections.Counter()
    for y in range(h):
        f = raw[p]; line = bytearray(raw[p+1:p+1+stride]); p += 1 + stride
        for x in range(stride):
            a = line[x-bpp] if x >= bpp else 0; b = prev[x]; c = prev[x-bpp] if x >= bpp else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        counts.update(bytes(line[k:k+bpp]) for k in range(0, stride, bpp))
        prev = line
    print(len(counts), counts.most_common(1)[0][1] / (w * h))
    """#

    // MARK: tests

    func testRealCompareReportRendersInChromium() throws {
        try XCTSkipUnless(geteuid() == 0, "needs root to load BPF programs")
        let file = "\(dir)/compare.html"
        let r = try run(Self.kpath, ["compare", "tcp", "udp", "--count", "3", "--html", file], timeout: 180)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("kpath: wrote \(file)"), r.stderr)
        let html = try String(contentsOfFile: file, encoding: .utf8)
        guard let t = html.range(of: "<title>"), let e = html.range(of: "</title>") else { return XCTFail("no <title> in the report") }
        let title = String(html[t.upperBound..<e.lowerBound]).replacingOccurrences(of: "&amp;", with: "&")
        XCTAssertTrue(title.hasPrefix("kpath compare tcp udp — kernel "), title)
        var expect = ["The article's claims", "Packets of dial 1", "SYN"]
        if html.contains("tracepoints only (degraded)") { expect.append("What this page cannot show") }
        try checkInBrowser(file, title: title, expect: expect)
    }

    func testFunctionsModeReportRendersInChromium() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Tests/fixtures/compare-6.12-kprobe-multi.json")
        let r = try JSONDecoder().decode(CompareResult.self, from: Data(contentsOf: fixture))
        let file = "\(dir)/compare-6.12.html"
        try AtomicFile.write(HTMLReport.compare(r), to: file)
        try checkInBrowser(file, title: "kpath compare tcp udp — kernel 6.12.118+deb13-amd64",
                           expect: ["11 of 11 held", "<section id=\"funccount\">", "tcp_v4_connect"])
    }

    /// `kpath tour --html`: the steps' sections, then the compare report (tracepoint mode forced: the same on any kernel).
    func testTourReportRendersInChromium() throws {
        try XCTSkipUnless(geteuid() == 0, "needs root to load BPF programs")
        let file = "\(dir)/tour.html"
        let r = try runCommand(Self.kpath, ["tour", "--backend", "tracepoint", "--count", "2", "--only", "dialing,udp-server", "--html", file],
                               environment: ["NO_COLOR": "1"], timeout: 180, stopSignal: SIGINT)
        XCTAssertEqual(r.status, 0, r.stderr)
        let html = try String(contentsOfFile: file, encoding: .utf8)
        guard let t = html.range(of: "<title>"), let e = html.range(of: "</title>") else { return XCTFail("no <title> in the report") }
        let title = String(html[t.upperBound..<e.lowerBound]).replacingOccurrences(of: "&amp;", with: "&")
        XCTAssertTrue(title.hasPrefix("kpath tour — “A UDP server and client in Go” on kernel "), title)
        try checkInBrowser(file, title: title, expect: ["<section id=\"step-dialing\">", "<section id=\"step-udp-server\">",
                                                         "$ sudo kpath syscalls -e socket-io -p ", "udp-server-recvfrom", "Not on this kernel:"])
    }
}
