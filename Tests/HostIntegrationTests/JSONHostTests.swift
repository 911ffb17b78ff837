// Issue 17: --json on every command, each with schema_version 1 (docs/json.md);
// syscalls and trace stream NDJSON as records come; compare and tour text fit
// COLUMNS. On this kernel's tracepoints (tracepoint mode where probes are
// needed; funccount's counts and graph need kprobes: Tests/vm). Run as root.
import Foundation
import Glibc
import XCTest

/// The lines of NDJSON output, each parsed.
func ndjson(_ text: String) throws -> [[String: Any]] {
    try text.split(separator: "\n").map { line in
        guard let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw NSError(domain: "ndjson", code: 1, userInfo: [NSLocalizedDescriptionKey: "not an object: \(line)"])
        }
        return o
    }
}

/// `syscalls --json` folded back into one object: the start and end lines'
/// keys, and the syscall lines as "records" (what the tests read before NDJSON).
func syscallsDocument(_ text: String) throws -> [String: Any] {
    var doc: [String: Any] = [:]
    var records: [[String: Any]] = []
    for o in try ndjson(text) {
        if o["type"] as? String == "syscall" { records.append(o) } else { doc.merge(o) { $1 } }
    }
    doc["records"] = records
    return doc
}

final class JSONHostTests: XCTestCase {
    static var kpath: String { kpathBinary() }

    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: Self.kpath), "no kpath binary at \(Self.kpath): swift build first")
    }

    func requireRoot() throws {
        try XCTSkipUnless(geteuid() == 0, "BPF needs root: run the host tests as root")
    }

    func run(_ args: [String], env: [String: String] = ["NO_COLOR": "1"], status: Set<Int32> = [0], timeout: Double = 120) throws -> CommandRun {
        let r = try runCommand(Self.kpath, args, environment: env, timeout: timeout, stopSignal: SIGINT, failOnTimeout: true)
        XCTAssertTrue(status.contains(r.status), "kpath \(args.joined(separator: " ")): exit \(r.status)\n\(r.stderr)")
        return r
    }

    /// One pretty document with schema_version 1.
    func document(_ args: [String], status: Set<Int32> = [0], timeout: Double = 120) throws -> [String: Any] {
        let r = try run(args, status: status, timeout: timeout)
        let o = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "kpath \(args): \(r.stdout)")
        XCTAssertEqual(o["schema_version"] as? Int, 1, "kpath \(args.joined(separator: " "))")
        return o
    }

    func testCommandsWithoutProbes() throws {
        let list = try document(["funccount", "--list", "--json", "tcp_v4_conn*"])
        XCTAssertEqual(list["patterns"] as? [String], ["tcp_v4_conn*"])
        let doctor = try document(["doctor", "--json"], status: [0, 2, 3])
        XCTAssertNotNil(doctor["mode"] as? String)
        let fixtures = DiffHostTests.fixtures
        let diff = try document(["diff", "--json", fixtures + "/compare-6.1.json", fixtures + "/compare-7.3.json"])
        XCTAssertNotNil(diff["protocols"] ?? diff["claims"], "\(diff.keys)")
        let bench = try document(["echo", "bench", "--json", "--seconds", "0.1"])
        let rows = try XCTUnwrap(bench["rows"] as? [[String: Any]])
        XCTAssertEqual(rows.count, 2)
        XCTAssertGreaterThan(rows[0]["operations"] as? Int ?? 0, 0)
    }

    func testEchoClientAndServerLines() throws {
        let port = try startEchoServer("udp")
        let r = try run(["echo", "client", "--json", "--proto", "udp", "--to", "127.0.0.1:\(port)"])
        let lines = try ndjson(r.stdout)
        XCTAssertEqual(lines.map { $0["type"] as? String }, ["packet-written", "packet-received"])
        XCTAssertEqual(lines.map { $0["schema_version"] as? Int }, [1, 1])
        XCTAssertEqual(lines[1]["from"] as? String, "127.0.0.1:\(port)")
    }

    func testTracingCommands() throws {
        try requireRoot()
        let port = try startEchoServer("udp")
        let client = [Self.kpath, "echo", "client", "--proto", "udp", "--to", "127.0.0.1:\(port)"]
        let stacks = try document(["stacks", "--json", "t:net:net_dev_queue", "--"] + client)
        XCTAssertFalse((stacks["stacks"] as? [Any] ?? []).isEmpty, "a UDP dial sends a packet")

        let trace = try ndjson(try run(["trace", "--json", "-K", "t:net:net_dev_queue", "--"] + client).stdout)
        XCTAssertEqual(trace.first?["type"] as? String, "start")
        XCTAssertEqual(trace.last?["type"] as? String, "end")
        XCTAssertTrue(trace.allSatisfy { $0["schema_version"] as? Int == 1 })
        let hit = try XCTUnwrap(trace.first { $0["type"] as? String == "hit" })
        XCTAssertTrue((hit["frames"] as? [String] ?? []).contains { $0.hasPrefix("__dev_queue_xmit") }, "\(hit)")

        let sys = try syscallsDocument(try run(["syscalls", "--json", "-e", "network", "--"] + client).stdout)
        XCTAssertEqual(sys["schema_version"] as? Int, 1)
        XCTAssertEqual((sys["records"] as? [[String: Any]])?.first?["name"] as? String, "socket")
        XCTAssertEqual(sys["exitStatus"] as? Int, 0)
    }

    /// A long run is readable line by line: the first syscall line arrives while the command still runs.
    func testSyscallsJSONStreams() throws {
        try requireRoot()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.kpath)
        p.arguments = ["syscalls", "--json", "-e", "openat", "--", "/bin/sh", "-c", "exec 3</etc/hostname; sleep 20"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { kill(p.processIdentifier, SIGINT) }; p.waitUntilExit() }
        let start = Date()
        // The command line in the start line names the file too: wait for the syscall's own line.
        let opened = #"openat(AT_FDCWD, \"/etc/hostname\""#
        let text = readText(out.fileHandleForReading.fileDescriptor, seconds: 15) { $0.contains(opened) }
        XCTAssertTrue(p.isRunning, "the traced command (sleep 20) is still running")
        XCTAssertLessThan(Date().timeIntervalSince(start), 15, "the openat line came while the command ran")
        let lines = try ndjson(String(text[..<(text.lastIndex(of: "\n") ?? text.startIndex)]))
        XCTAssertEqual(lines.first?["type"] as? String, "start")
        XCTAssertTrue(lines.contains { $0["type"] as? String == "syscall" && ($0["line"] as? String ?? "").contains("\"/etc/hostname\"") }, text)
    }

    /// compare in tracepoint mode: --save's document has schema_version; the text fits 60 columns but for table rows.
    func testCompareJSONAndWidth() throws {
        try requireRoot()
        let save = NSTemporaryDirectory() + "kpath-json-\(getpid()).json"
        defer { unlink(save) }
        let r = try run(["compare", "tcp", "udp", "--count", "1", "--backend", "tracepoint", "--save", save],
                        env: ["NO_COLOR": "1", "COLUMNS": "60"], timeout: 180)
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: save))) as? [String: Any])
        XCTAssertEqual(doc["schema_version"] as? Int, 1)
        XCTAssertNotNil(doc["runs"])
        let wide = r.stdout.split(separator: "\n").filter { $0.count > 60 && !WidthRules.isTableRow($0) }
        XCTAssertEqual(wide, [], "compare lines wider than COLUMNS=60")
        XCTAssertTrue(r.stdout.contains("claims held"), r.stdout)
    }

    /// tour: --json has schema_version; the text at COLUMNS=60 has no line over 60 columns.
    func testTourJSONAndWidth() throws {
        try requireRoot()
        let doc = try document(["tour", "--backend", "tracepoint", "--count", "1", "--only", "udp-server", "--json"], timeout: 300)
        XCTAssertEqual((doc["steps"] as? [Any])?.count, 1)
        let r = try run(["tour", "--backend", "tracepoint", "--count", "1", "--only", "dialing"], env: ["NO_COLOR": "1", "COLUMNS": "60"], timeout: 300)
        for line in r.stdout.split(separator: "\n") { XCTAssertLessThanOrEqual(line.count, 60, String(line)) }
        XCTAssertTrue(r.stdout.contains("== 2/6"), r.stdout)
    }
}

enum WidthRules {
    /// A table row: cells apart by two or more spaces (tables are as wide as their cells; docs/json.md).
    static func isTableRow(_ line: Substring) -> Bool {
        line.trimmingCharacters(in: .whitespaces).range(of: #"\S  +\S"#, options: .regularExpression) != nil
    }
}
