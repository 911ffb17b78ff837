// `kpath syscalls` with strace's habits (issue 17), on this host's tracepoints:
// lines on stderr or -o FILE, -s up to 4096, execve's argv, %classes and !,
// -c's table, -y's fd names. Needs root.
import Foundation
import Glibc
import XCTest

final class SyscallsStraceHostTests: KpathHostTestCase {
    func testLinesGoToStderrAndTheCommandsOutputToStdout() throws {
        let r = try kpath(["syscalls", "-e", "write", "--", "/bin/sh", "-c", "echo hello"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "hello\n")
        XCTAssertTrue(lines(r.stderr).contains { $0.hasPrefix(#"write(1, "hello\n", 6)"#) && $0.hasSuffix("= 6") }, r.stderr)
        XCTAssertTrue(r.stderr.hasSuffix("+++ exited with 0 +++\n"), r.stderr)
    }

    func testDashOWritesTheFileAndLeavesStderrQuiet() throws {
        let file = NSTemporaryDirectory() + "kpath-o-\(getpid()).txt"
        defer { unlink(file) }
        let r = try kpath(["syscalls", "-o", file, "-e", "%file", "--", "/bin/cat", "/etc/hostname"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        let text = try String(contentsOfFile: file, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix(#"execve("/bin/cat", ["/bin/cat", "/etc/hostname"], 0x"#), text)
        XCTAssertTrue(text.contains(#"openat(AT_FDCWD, "/etc/hostname", O_RDONLY) = 3"#), text)
        XCTAssertFalse(text.contains("read("), "%file has no read: \(text)")
    }

    func testLongStringsUpToTheLimit() throws {
        let long = String(repeating: "x", count: 300)
        let r = try kpath(["syscalls", "-s", "200", "-e", "write", "--", "/bin/sh", "-c", "printf \(long)"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("write(1, \"" + String(repeating: "x", count: 200) + "\"..., 300)"), r.stderr)
        let all = try kpath(["syscalls", "-s", "4096", "-e", "write", "--", "/bin/sh", "-c", "printf \(long)"])
        XCTAssertTrue(all.stderr.contains("write(1, \"\(long)\", 300)"), all.stderr)
    }

    func testNegationAndClasses() throws {
        let r = try kpath(["syscalls", "-e", "trace=!close,%memory", "--", "/bin/cat", "/etc/hostname"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let names = Set(lines(r.stderr).compactMap { $0.split(separator: "(").first.map(String.init) })
        XCTAssertTrue(names.isSuperset(of: ["execve", "openat", "read", "exit_group"]), "\(names)")
        XCTAssertTrue(names.isDisjoint(with: ["close", "mmap", "munmap", "mprotect", "brk"]), "\(names)")
    }

    func testSummaryTable() throws {
        let r = try kpath(["syscalls", "-c", "-e", "all", "--", "/bin/ls", "/nonexistent-kpath"])
        XCTAssertEqual(r.status, 2, "ls's own status: \(r.stderr)")
        let l = lines(r.stderr)
        XCTAssertTrue(l.contains("% time     seconds  usecs/call     calls    errors syscall"), r.stderr)
        let total = try XCTUnwrap(l.last { $0.hasSuffix(" total") }, r.stderr)
        XCTAssertTrue(total.hasPrefix("100.00 "), total)
        XCTAssertTrue(l.contains { $0.hasSuffix(" execve") && $0.contains("         1 ") }, r.stderr)
        // ls's stat of the missing path failed: its row has an errors count
        XCTAssertTrue(l.contains { $0.range(of: #"^ *[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9]+ +[0-9]+ (statx|newfstatat|lstat)$"#, options: .regularExpression) != nil }, r.stderr)
        XCTAssertFalse(r.stderr.contains("execve(\""), "no lines with -c")
    }

    func testFdNames() throws {
        let r = try kpath(["syscalls", "-y", "-e", "openat,read,close", "--", "/bin/cat", "/etc/hostname"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains(#"openat(AT_FDCWD, "/etc/hostname", O_RDONLY) = 3</etc/hostname>"#), r.stderr)
        XCTAssertTrue(r.stderr.contains("close(3</etc/hostname>)"), r.stderr)
    }

    func testExecveArgvAndEnvironmentCount() throws {
        let r = try runCommand(kpathBinary(), ["syscalls", "-e", "execve", "--", "/bin/sh", "-c", "/bin/true one two"],
                               environment: ["KPATH_TEST_VAR": "1"], timeout: 60, failOnTimeout: true)
        XCTAssertEqual(r.status, 0, r.stderr)
        let vars = ProcessInfo.processInfo.environment.merging(["KPATH_TEST_VAR": "1"]) { $1 }.count
        XCTAssertTrue(r.stderr.contains(#"execve("/bin/sh", ["/bin/sh", "-c", "/bin/true one two"], 0x"#), r.stderr)
        XCTAssertTrue(r.stderr.contains("/* \(vars) vars */) = 0"), "expected \(vars) vars: \(r.stderr)")
        XCTAssertTrue(r.stderr.contains(#"execve("/bin/true", ["/bin/true", "one", "two"], 0x"#), r.stderr)
    }
}
