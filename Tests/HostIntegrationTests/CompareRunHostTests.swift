// `kpath compare --run NAME=CMD` on this host (tracepoint mode where kprobes
// are refused): two real commands, held and run twice each; the JSON saved,
// read back by `kpath diff`; and the new protocol pairs' claims.
import Foundation
import Glibc
import XCTest

final class CompareRunHostTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        try XCTSkipUnless(geteuid() == 0, "these tests load BPF programs: run them as root (sudo swift test ...)")
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: kpathBinary()),
                          "no kpath binary at \(kpathBinary()): build it (swift build) or set KPATH_BINARY")
        dir = NSTemporaryDirectory() + "kpath-run-host-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    private let commands = ["--run", "cat=cat /etc/hostname", "--run", "ls=ls /"]

    func testTwoCommandsSideBySide() throws {
        let save = dir + "/run.json"
        let r = try runCommand(kpathBinary(), ["compare"] + commands + ["--count", "2", "--save", save], timeout: 120, failOnTimeout: true)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("kpath compare --run cat --run ls — kernel "), r.stdout)
        XCTAssertTrue(r.stdout.contains(", 2 runs each"), r.stdout)
        // ls lists a directory (getdents64), cat does not; both exec once per run.
        XCTAssertNotNil(r.stdout.range(of: #"\nexecve +1\.00 +1\.00\n"#, options: .regularExpression), r.stdout)
        XCTAssertNotNil(r.stdout.range(of: #"\n  only ls \(\d+\) +.*getdents64"#, options: .regularExpression), r.stdout)
        XCTAssertTrue(r.stdout.contains("no claim is judged for --run"), r.stdout)
        XCTAssertFalse(r.stdout.contains("The article's"), r.stdout)

        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: save))) as? [String: Any])
        XCTAssertEqual(json["dials"] as? Int, 2)
        XCTAssertEqual((json["claims"] as? [Any])?.count, 0)
        let runs = try XCTUnwrap(json["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.compactMap { $0["name"] as? String }, ["cat", "ls"])
        XCTAssertEqual(runs.compactMap { $0["proto"] as? String }, ["command", "command"])
        XCTAssertEqual(runs[0]["argv"] as? [String], ["cat", "/etc/hostname"])
        for run in runs {
            XCTAssertEqual(run["clientExit"] as? Int, 0, "\(run["clientOutput"] ?? "")")
            let names = run["syscallNames"] as? [String] ?? []
            // Each run's records start at its own execve, not at kpath's trampoline.
            XCTAssertEqual(names.filter { $0 == "execve" }.count, 2, "\(names.prefix(5))")
            XCTAssertEqual(names.first, "execve")
            XCTAssertTrue((run["syscalls"] as? [String] ?? []).first?.hasPrefix("execve(\"/usr/bin/") ?? false)
        }
        XCTAssertTrue((runs[1]["syscallNames"] as? [String] ?? []).contains("getdents64"))
        XCTAssertFalse((runs[0]["syscallNames"] as? [String] ?? []).contains("getdents64"))
        let hostname = (try? String(contentsOfFile: "/etc/hostname", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        XCTAssertEqual(runs[0]["clientOutput"] as? [String], [hostname])

        // The saved JSON goes through kpath diff: runs matched by name.
        let d = try runCommand(kpathBinary(), ["diff", save, save, "--json"])
        XCTAssertEqual(d.status, 0, d.stderr)
        let diff = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(d.stdout.utf8)) as? [String: Any])
        let protos = try XCTUnwrap(diff["protocols"] as? [[String: Any]])
        XCTAssertEqual(protos.compactMap { $0["name"] as? String }, ["cat", "ls"])
        XCTAssertTrue(protos.allSatisfy { $0["inA"] as? Bool == true && $0["inB"] as? Bool == true })
        let t = try runCommand(kpathBinary(), ["diff", save, save])
        XCTAssertEqual(t.status, 0, t.stderr)
        XCTAssertTrue(t.stdout.contains("== cat ==") && t.stdout.contains("== ls =="), t.stdout)
    }

    /// udp beside udp6 and unixgram: both pair claims are judged; in
    /// tracepoint mode they are unknown, with the packets seen as evidence.
    func testPairClaims() throws {
        let r = try runCommand(kpathBinary(), ["compare", "udp", "udp6", "unixgram", "--count", "2", "--json"], timeout: 180, failOnTimeout: true)
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stderr)
        let runs = try XCTUnwrap(json["runs"] as? [[String: Any]])
        let udp6 = try XCTUnwrap(runs.first { $0["proto"] as? String == "udp6" })
        try XCTSkipIf((udp6["clientExit"] as? Int) != 0, "no IPv6 loopback here: \(udp6["clientOutput"] ?? "")")
        let claims = json["claims"] as? [[String: Any]] ?? []
        func claim(_ id: String) -> [String: Any]? { claims.first { $0["id"] as? String == id } }
        let functions = json["mode"] as? String == "functions"
        let c6 = try XCTUnwrap(claim("udp6-connect-no-transmit"), "\(claims.map { $0["id"] ?? "" })")
        XCTAssertEqual(c6["status"] as? String, functions ? "held" : "unknown", "\(c6)")
        XCTAssertTrue((c6["evidence"] as? String ?? "").hasPrefix("packets during connect(2): UDP 0, UDP6 0"), "\(c6)")
        let cg = try XCTUnwrap(claim("unixgram-send-to-peer"))
        XCTAssertEqual(cg["status"] as? String, functions ? "held" : "unknown", "\(cg)")
        XCTAssertNotNil((cg["evidence"] as? String ?? "").range(of: #"^packets: UNIXGRAM 0 in the whole run, UDP [1-9]\d* left during the client's write\(2\)"#, options: .regularExpression), "\(cg)")
        // The article's claims need tcp; the Unix stream one needs unix.
        XCTAssertNil(claim("tcp-connect-transmits"))
        XCTAssertNil(claim("unix-connect-no-packet"))
    }
}
