// `kpath syscalls`' process habits (issue 17): -ff's FILE.TID files, -Z/-z,
// -x, signal lines, wait4's status and <unfinished ...>/<... resumed>, and a
// call in progress when -p attaches. Needs root.
import Foundation
import Glibc
import XCTest

final class SyscallsProcessHostTests: KpathHostTestCase {
    func testDashFFWritesOneFilePerProcess() throws {
        let dir = NSTemporaryDirectory() + "kpath-ff-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try kpath(["syscalls", "-ff", "-o", dir + "/t", "-e", "execve,wait4,exit_group", "--", "/bin/sh", "-c", "/bin/true; exit 0"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        XCTAssertEqual(files.count, 2, "the shell and /bin/true: \(files)")
        let texts = try files.map { try String(contentsOfFile: dir + "/" + $0, encoding: .utf8) }
        XCTAssertTrue(files.allSatisfy { $0.hasPrefix("t.") && Int32($0.dropFirst(2)) != nil }, "\(files)")
        XCTAssertFalse(texts.joined().contains("[pid"), "-ff lines carry no [pid N]")
        let shell = texts.first { $0.contains("wait4(") } ?? ""
        XCTAssertTrue(shell.contains("[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = "), shell)
        XCTAssertTrue(shell.hasSuffix("+++ exited with 0 +++\n"), shell)
        XCTAssertTrue(texts.contains { $0.hasPrefix(#"execve("/bin/true", ["/bin/true"]"#) }, "\(texts)")
    }

    func testFailedOnlySuccessfulOnlyAndHex() throws {
        let z = try kpath(["syscalls", "-Z", "-e", "openat", "--", "/bin/cat", "/nonexistent-kpath"])
        XCTAssertEqual(z.status, 1, z.stderr)
        let failed = lines(z.stderr).filter { $0.hasPrefix("openat(") }
        XCTAssertFalse(failed.isEmpty, z.stderr)
        XCTAssertTrue(failed.allSatisfy { $0.contains("= -1 E") }, z.stderr)
        XCTAssertTrue(failed.contains { $0.contains(#""/nonexistent-kpath", O_RDONLY) = -1 ENOENT"#) }, z.stderr)
        let ok = try kpath(["syscalls", "-z", "-e", "openat", "--", "/bin/cat", "/nonexistent-kpath"])
        XCTAssertFalse(lines(ok.stderr).contains { $0.hasPrefix("openat(") && $0.contains("= -1 ") }, ok.stderr)
        let x = try kpath(["syscalls", "-x", "-e", "write", "--", "/usr/bin/printf", #"a\001"#])
        XCTAssertTrue(x.stderr.contains(#"write(1, "\x61\x01", 2)"#), x.stderr)
    }

    func testSignalsWaitStatusAndUnfinished() throws {
        let r = try kpath(["syscalls", "-e", "all", "--", "/bin/sh", "-c", "trap true USR1; kill -USR1 $$; /bin/sleep 0.2; exit 0"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let l = lines(r.stderr)
        XCTAssertTrue(l.contains { $0.contains("--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_USER, si_pid=") && $0.hasSuffix(", si_uid=0} ---") }, r.stderr)
        XCTAssertTrue(l.contains { $0.hasSuffix("wait4(-1,  <unfinished ...>") }, r.stderr)
        XCTAssertTrue(l.contains { $0.contains("<... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = ") }, r.stderr)
    }

    func testCallInProgressAtAttachIsResumed() throws {
        // a shell blocked in wait4 for its child (sleep) when kpath attaches;
        // a thread reaps it when it ends, so that -p sees it gone
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup("/bin/sleep 3; exit 0"), nil]
        defer { argv.forEach { free($0) } }
        XCTAssertEqual(posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ), 0)
        let target = pid
        let reaper = Thread { var status: Int32 = 0; waitpid(target, &status, 0) }
        reaper.start()
        defer { kill(target, SIGKILL) }
        usleep(300_000)
        let r = try kpath(["syscalls", "-e", "wait4", "-p", String(pid)])
        XCTAssertTrue(lines(r.stderr).contains { $0.hasPrefix("<... wait4 resumed>) ") && Int32($0.split(separator: " ").last ?? "") ?? 0 > pid }, r.stderr)
    }
}
