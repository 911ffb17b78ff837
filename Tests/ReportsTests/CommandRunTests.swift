import XCTest
@testable import Reports
@testable import Sessions

/// compare --run (Sessions/CommandRun.swift): NAME=CMD parsing, the text
/// report of two commands, and the JSON back and forth through kpath diff's model.
final class CommandRunTests: XCTestCase {
    func testParse() throws {
        XCTAssertEqual(try NamedCommand.parse("cat=cat /etc/hostname"), NamedCommand(name: "cat", words: ["cat", "/etc/hostname"]))
        XCTAssertEqual(try NamedCommand.parse("sh=sh -c 'echo a  b; ls'").words, ["sh", "-c", "echo a  b; ls"])
        XCTAssertEqual(try NamedCommand.parse(#"e=echo "x \"y\"" z\ w"#).words, ["echo", #"x "y""#, "z w"])
        XCTAssertEqual(try NamedCommand.parse("a=b=c").words, ["b=c"])
        XCTAssertEqual(try NamedCommand.parse("e=echo ''").words, ["echo", ""])
        for (bad, says) in [("cat", "has no \"=\""), ("=ls", "the name before \"=\" is empty"), ("x=", "the command after \"=\" is empty"),
                            ("x=   ", "the command after \"=\" is empty"), ("a b=ls", "may hold only letters"), ("x=echo 'a", "unterminated quote")] {
            XCTAssertThrowsError(try NamedCommand.parse(bad), bad) { XCTAssertTrue("\($0)".contains(says), "\(bad): \($0)") }
        }
        XCTAssertThrowsError(try NamedCommand.parseAll(["a=ls", "a=cat x"])) { XCTAssertTrue("\($0)".contains("is used twice"), "\($0)") }
        XCTAssertThrowsError(try NamedCommand.parseAll(["a=ls"])) { XCTAssertTrue("\($0)".contains("two or more commands"), "\($0)") }
        XCTAssertEqual(try NamedCommand.parseAll(["a=ls", "b=ls -l"]).map(\.name), ["a", "b"])
    }

    private func run(_ name: String, read: [String], syscalls: [String]) -> ProtocolRun {
        ProtocolRun(proto: .command, dials: 2, serverPort: 0, clientPID: 10, serverPID: 0, clientExit: 0,
                    functionsAttached: 50, functionsSkipped: 0,
                    phases: [PhaseFunctions(phase: .recv, functions: read.map { FunctionHits(function: $0, calls: 2, perDial: 1, inInterrupt: 0) })],
                    functionsOnStacks: [], packets: [], stacks: [], syscalls: [], syscallNames: syscalls, clientOutput: [], seconds: 1,
                    name: name, argv: [name])
    }

    private var result: CompareResult {
        CompareResult(kernel: "6.12.0", backend: .kprobeMulti, mode: .functions, modeReason: nil, dials: 2, side: .client,
                      patterns: ["vfs_*"], command: "kpath compare --run cat=cat --run ls=ls", seconds: 1,
                      runs: [run("cat", read: ["vfs_read", "ksys_read"], syscalls: ["execve", "read", "read", "read", "read"]),
                             run("ls", read: ["vfs_read"], syscalls: ["execve", "getdents64", "getdents64", "read", "read"])],
                      claims: [])
    }

    func testTextReport() {
        let r = result
        XCTAssertTrue(r.isCommandRun)
        let t = CompareReport.render(r)
        XCTAssertTrue(t.hasPrefix("kpath compare --run cat --run ls — kernel 6.12.0, 2 runs each"), t)
        assertContains(t, "SYSCALL  cat funcs  calls/run  ls funcs  calls/run",
                       "== read(2): functions only in cat, only in ls, in both ==",
                       "  only cat (1)    ksys_read 1.00", "getdents64  0.00  1.00", "  only ls (1)     getdents64",
                       "none: no packet reached a network device (net:net_dev_queue) while cat ran", "no claim is judged for --run")
        XCTAssertFalse(t.contains("The article's"), t)
        let html = HTMLReport.comparePage(r).render()
        XCTAssertTrue(html.contains("Functions only in cat, only in ls, in both"))
        XCTAssertFalse(html.contains("The article"))
    }

    func testJSONRoundTripAndDiff() throws {
        let json = try JSONReport.encode(result)
        let back = try SavedResult.decode(Data(json.utf8), path: "r.json")
        guard case .compare(let r) = back else { return XCTFail("not a compare result") }
        XCTAssertEqual(r.runs.map(\.name), ["cat", "ls"])
        XCTAssertEqual(r.runs.map(\.argv), [["cat"], ["ls"]])
        XCTAssertEqual(try JSONReport.encode(r), json, "saved and read back byte for byte")
        var b = r
        b.runs[1].phases[0].functions.append(FunctionHits(function: "iterate_dir", calls: 2, perDial: 1, inInterrupt: 0))
        let d = Diff.compare(r, b)
        XCTAssertEqual(d.protocols.map(\.title), ["cat", "ls"])
        XCTAssertEqual(d.protocols[1].phases.first?.functions.onlyB.map(\.function), ["iterate_dir"])
        XCTAssertTrue(DiffReport.render(d).contains("== ls =="))
    }
}
