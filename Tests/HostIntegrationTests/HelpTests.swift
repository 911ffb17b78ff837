// Every subcommand's --help examples paste into a shell as they read in an
// 80-column terminal: an example too long for one line is broken with a
// trailing backslash by us, never wrapped mid-command by the help formatter.
import Foundation
import XCTest

final class HelpTests: XCTestCase {
    static let subcommands = [["compare"], ["funccount"], ["graph"], ["stacks"], ["trace"], ["syscalls"], ["diff"], ["doctor"], ["tour"],
                              ["echo", "server"], ["echo", "client"], ["echo", "bench"]]

    func testExamplesPasteAt80Columns() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: kpathBinary()), "no kpath binary at \(kpathBinary())")
        for sub in Self.subcommands {
            let r = try runCommand(kpathBinary(), sub + ["--help"], environment: ["COLUMNS": "80"], timeout: 30, failOnTimeout: true)
            XCTAssertEqual(r.status, 0, r.stderr)
            let discussion = r.stdout.components(separatedBy: "\nUSAGE:").first ?? ""
            // The lines of the Examples: block, up to the next empty line.
            var inExamples = false, previous = "", examples = 0
            for line in discussion.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
                defer { previous = line }
                XCTAssertLessThanOrEqual(line.count, 80, "kpath \(sub.joined(separator: " ")) --help: \(line)")
                if line == "Examples:" { inExamples = true; continue }
                if line.isEmpty { inExamples = false; continue }
                guard inExamples else { continue }
                if line.hasPrefix("  kpath ") || line.hasPrefix("  sudo kpath ") {
                    examples += 1
                } else {
                    // Anything else is a continuation, and only one the example asked for.
                    XCTAssertTrue(line.hasPrefix("    ") && previous.hasSuffix("\\"),
                                  "kpath \(sub.joined(separator: " ")) --help wraps an example: \(previous) / \(line)")
                }
            }
            if sub.first != "echo" {
                XCTAssertGreaterThan(examples, 0, "kpath \(sub.joined(separator: " ")) --help shows no example")
            }
        }
    }
}
