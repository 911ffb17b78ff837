// `kpath tour` on this host, in tracepoint mode (forced with --backend
// tracepoint, so the test means the same on a kernel with kprobes): every
// section prints its commands, evidence and claims, says what it cannot
// show, and fits 80 columns. Needs root (it loads BPF).
import Foundation
import Glibc
import XCTest

final class TourHostTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: DoctorHostTests.kpath), "no kpath binary: swift build first")
        try XCTSkipUnless(geteuid() == 0, "kpath tour loads BPF programs: run these tests as root")
    }

    func tour(_ args: [String]) throws -> CommandRun {
        try runCommand(DoctorHostTests.kpath, ["tour"] + args, environment: ["NO_COLOR": "1"], timeout: 300, stopSignal: SIGINT, failOnTimeout: true)
    }

    func testDegradedTourPrintsEverySection() throws {
        let r = try tour(["--backend", "tracepoint", "--count", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let text = r.stdout
        let titles = ["Address resolution", "TCP dialing vs UDP dialing", "Writing to a UDP \"connection\"", "Receiving in a client",
                      "Receiving in a server", "The UDP server"]
        var sections: [Substring] = []
        for (i, t) in titles.enumerated() {
            guard let start = text.range(of: "== \(i + 1)/6  \(t) ") else { XCTFail("no section \(t)\n\(text)"); continue }
            let rest = text[start.upperBound...]
            let end = rest.range(of: "\n== ")?.lowerBound ?? rest.endIndex
            sections.append(rest[..<end])
        }
        XCTAssertEqual(sections.count, 6)
        for s in sections {
            XCTAssertTrue(s.contains("  $ sudo kpath "), "each step shows the command it ran:\n\(s)")
            XCTAssertTrue(s.contains("  [held    ] ") || s.contains("  [unknown ] ") || s.contains("  [NOT HELD] "), "each step ends with its claim:\n\(s)")
        }
        // Evidence, live from this kernel.
        XCTAssertTrue(sections[0].contains("openat(AT_FDCWD, \"/etc/hosts\"") || sections[0].contains("127.0.0.1, which getaddrinfo answers without a syscall"), String(sections[0]))
        XCTAssertTrue(sections[1].contains("tcp_connect+0x") && sections[1].contains("tcp_v4_connect+0x"), String(sections[1]))
        XCTAssertTrue(sections[2].contains("udp_sendmsg+0x") && sections[2].contains("ip_send_skb+0x"), String(sections[2]))
        XCTAssertTrue(sections[3].contains("SO_RCVTIMEO") && sections[3].contains("i/o timeout"), String(sections[3]))
        XCTAssertTrue(sections[4].contains("__sys_recvfrom+0x"), String(sections[4]))
        XCTAssertTrue(sections[5].contains("recvfrom(3, \"hello\"") && sections[5].contains("accept4("), String(sections[5]))
        // trace -K's excerpts: the hit it picked from typed TraceHits, printed as trace prints it
        // (header, the hit line with the tracepoint's fields, clipped, then the frames).
        for (i, tp) in [(1, "net:net_dev_queue"), (2, "net:net_dev_queue"), (3, "sock:sock_recv_length"), (4, "sock:sock_recv_length")] {
            XCTAssertTrue(sections[i].contains("\n    PID     TID     COMM            FUNC\n"), String(sections[i]))
            XCTAssertNotNil(sections[i].range(of: #"\n    \d+ +\d+ +kpath +"# + tp + " ", options: .regularExpression), String(sections[i]))
        }
        XCTAssertTrue(sections[1].contains("$ sudo kpath trace -K -M 1 t:net:net_dev_queue -- kpath echo client"),
                      "the SYN is the client's first packet: -M 1 prints it\n\(sections[1])")
        // Degraded mode says so, and says what it cannot show.
        XCTAssertTrue(text.contains("tracepoint mode (degraded)"))
        XCTAssertGreaterThanOrEqual(text.components(separatedBy: "Not on this kernel: ").count - 1, 3)
        for id in ["tcp-connect-transmits", "udp-connect-no-transmit", "tcp-handshake-packets", "udp-write-path", "read-deadline", "udp-server-recvfrom"] {
            XCTAssertTrue(text.contains("[held    ] \(id):"), "\(id) should hold in tracepoint mode\n\(text)")
        }
        XCTAssertTrue(text.contains("[unknown ] udp-read-path:"))
        XCTAssertNotNil(text.range(of: #"\n\d+ of 12 claims held"#, options: .regularExpression), text)
        for line in text.split(separator: "\n") { XCTAssertLessThanOrEqual(line.count, 80, "wider than 80 columns: \(line)") }
        XCTAssertFalse(text.contains("\u{1b}["), "no colour when NO_COLOR is set and stdout is a pipe")
    }

    func testOnlyAndJSON() throws {
        let html = NSTemporaryDirectory() + "kpath-tour-\(getpid()).html"
        defer { unlink(html) }
        let r = try tour(["--backend", "tracepoint", "--count", "1", "--only", "udp-server,writing", "--json", "--html", html])
        XCTAssertEqual(r.status, 0, r.stderr)
        let doc = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let steps = doc?["steps"] as? [[String: Any]] ?? []
        XCTAssertEqual(steps.map { $0["section"] as? String }, ["writing", "udp-server"], "in the article's order")
        XCTAssertEqual(doc?["mode"] as? String, "tracepoints")
        XCTAssertNotNil(doc?["compare"] as? [String: Any])
        // The page: the steps, then the compare report with its flame graphs.
        let page = try String(contentsOfFile: html, encoding: .utf8)
        XCTAssertTrue(page.contains("<section id=\"step-writing\">") && page.contains("<section id=\"step-udp-server\">"))
        XCTAssertTrue(page.contains("$ sudo kpath trace -K -M 1 t:net:net_dev_queue"))
        XCTAssertTrue(page.contains("<svg"))
        XCTAssertFalse(page.contains("src=\"http") || page.contains("href=\"http"), "nothing fetched")
    }

    /// --step prompts between steps and goes on at Enter or at the end of input.
    func testStepGoesOnAtEndOfInput() throws {
        let r = try tour(["--backend", "tracepoint", "--count", "1", "--only", "writing,server-read", "--step"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr.components(separatedBy: "-- Enter for the next step").count - 1, 1, r.stderr)
        XCTAssertTrue(r.stdout.contains("== 3/6  ") && r.stdout.contains("== 5/6  "), r.stdout)
    }

    func testBadSectionIsOneLine() throws {
        let r = try tour(["--only", "dns"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("unknown section \"dns\""), r.stderr)
        XCTAssertTrue(r.stderr.contains("resolution, dialing, writing"), r.stderr)
    }
}
