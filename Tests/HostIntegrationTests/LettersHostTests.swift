// bcc's letters, second part (issue 17): funccount counts tracepoints, -i
// intervals on funccount and stacks, stacks -P, --tid/--comm filters (in the
// kernel), trace's tracepoint fields by name. All on this host's tracepoints.
import Foundation
import Glibc
@testable import Sessions
import XCTest

final class LettersHostTests: KpathHostTestCase {
    /// `FUNC COUNT` rows as name -> count.
    func counts(_ s: String) -> [String: Int] {
        var out: [String: Int] = [:]
        for l in lines(s) {
            let p = l.split(separator: " ", omittingEmptySubsequences: true)
            if p.count == 2, let n = Int(p[1]) { out[String(p[0])] = n }
        }
        return out
    }

    func testFunccountCountsTracepoints() throws {
        let r = try kpath(["funccount", "t:syscalls:sys_enter_openat*", "tracepoint:syscalls:sys_enter_close", "--", "cat", "/etc/hostname"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("Tracing "), r.stderr)
        let c = counts(r.stdout)
        XCTAssertGreaterThanOrEqual(c["syscalls:sys_enter_openat"] ?? 0, 1, r.stdout)
        XCTAssertGreaterThanOrEqual(c["syscalls:sys_enter_close"] ?? 0, 1, r.stdout)
        XCTAssertNil(c["syscalls:sys_enter_read"], "not asked for: \(r.stdout)")

        let list = try kpath(["funccount", "--list", "t:net:*"])
        XCTAssertEqual(list.status, 0, list.stderr)
        XCTAssertTrue(lines(list.stdout).contains("net:net_dev_queue"), list.stdout)
        XCTAssertTrue(lines(list.stdout).allSatisfy { $0.hasPrefix("net:") }, list.stdout)
    }

    /// Two or more intervals, each after a blank line and HH:MM:SS.
    func assertIntervals(_ r: CommandRun, table: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        let ls = lines(r.stdout)
        let stamps = ls.filter { $0.range(of: #"^[0-9]{2}:[0-9]{2}:[0-9]{2}$"#, options: .regularExpression) != nil }
        XCTAssertGreaterThanOrEqual(stamps.count, 2, r.stdout, file: file, line: line)
        XCTAssertTrue(r.stdout.hasPrefix("\n"), r.stdout, file: file, line: line)
        XCTAssertGreaterThanOrEqual(ls.filter { $0.contains(table) }.count, 2, r.stdout, file: file, line: line)
    }

    func testIntervalsOnFunccountAndStacks() throws {
        // a shell loop keeps openat firing in every interval
        let loop = ["--", "sh", "-c", "i=0; while [ $i -lt 40 ]; do cat /etc/hostname >/dev/null; sleep 0.05; i=$((i+1)); done"]
        let f = try kpath(["funccount", "-i", "0.7", "t:syscalls:sys_enter_openat"] + loop)
        assertIntervals(f, table: "syscalls:sys_enter_openat")
        let s = try kpath(["stacks", "-i", "0.7", "t:syscalls:sys_enter_openat"] + loop)
        assertIntervals(s, table: "syscalls:sys_enter_openat")
    }

    func testStacksPerProcess() throws {
        let r = try kpath(["stacks", "-P", "t:syscalls:sys_enter_openat", "--", "sh", "-c", "cat /etc/hostname; cat /etc/hostname"])
        XCTAssertEqual(r.status, 0, r.stderr)
        // two cat processes: their stacks apart, each `comm [pid]`
        let cats = Set(lines(r.stdout).filter { $0.range(of: #"^    cat \[[0-9]+\]$"#, options: .regularExpression) != nil })
        XCTAssertEqual(cats.count, 2, r.stdout)
    }

    func testCommFilterInTheKernel() throws {
        let cmd = ["--", "sh", "-c", "cat /etc/hostname >/dev/null; ls / >/dev/null"]
        let t = try kpath(["trace", "--comm", "cat", "t:syscalls:sys_enter_openat"] + cmd)
        XCTAssertEqual(t.status, 0, t.stderr)
        let hits = lines(t.stdout).filter { $0.contains("syscalls:sys_enter_openat") }
        XCTAssertFalse(hits.isEmpty, t.stdout + t.stderr)
        for h in hits { XCTAssertTrue(h.contains(" cat "), h) }

        let all = counts(try kpath(["funccount", "t:syscalls:sys_enter_openat"] + cmd).stdout)["syscalls:sys_enter_openat"] ?? 0
        let cat = counts(try kpath(["funccount", "--comm", "cat", "t:syscalls:sys_enter_openat"] + cmd).stdout)["syscalls:sys_enter_openat"] ?? 0
        XCTAssertGreaterThan(cat, 0)
        XCTAssertLessThan(cat, all, "ls's and sh's opens are not cat's")

        let s = try kpath(["syscalls", "--comm", "cat", "-e", "openat"] + cmd)
        XCTAssertTrue(s.stderr.contains("\"/etc/hostname\""), s.stderr)
        XCTAssertFalse(s.stderr.contains("O_DIRECTORY"), "ls opens / with O_DIRECTORY: filtered out\n" + s.stderr)
    }

    func testTidFilter() throws {
        // a busy shell: every thread of it but the one given is turned away
        let sh = Process()
        sh.executableURL = URL(fileURLWithPath: "/bin/sh")
        sh.arguments = ["-c", "while :; do /bin/true; done"]
        try sh.run()
        defer { sh.terminate(); sh.waitUntilExit() }
        let tid = sh.processIdentifier
        let r = try kpath(["trace", "-d", "1", "--tid", String(tid), "t:syscalls:sys_enter_wait4"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let hits = lines(r.stdout).filter { $0.contains("sys_enter_wait4") }
        XCTAssertFalse(hits.isEmpty, r.stdout + r.stderr)
        for h in hits {
            let cols = h.split(separator: " ", omittingEmptySubsequences: true)
            XCTAssertEqual(cols.count > 1 ? String(cols[1]) : "", String(tid), h)
        }
        let c = try kpath(["funccount", "-d", "1", "--tid", String(tid), "t:syscalls:sys_enter_wait4,t:syscalls:sys_enter_execve"])
        XCTAssertGreaterThan(counts(c.stdout)["syscalls:sys_enter_wait4"] ?? 0, 0, c.stdout)
        XCTAssertNil(counts(c.stdout)["syscalls:sys_enter_execve"], "execve runs in the children: \(c.stdout)")
    }

    func testTraceTracepointFieldsByName() throws {
        let (fd, port) = try bindLoopback(.tcp)
        close(fd)
        let r = try kpath(["trace", "t:sock:inet_sock_set_state", "--", kpathBinary(), "echo", "client",
                           "--proto", "tcp", "--to", "127.0.0.1:\(port)"])
        let hits = lines(r.stdout).filter { $0.contains("sock:inet_sock_set_state") }
        XCTAssertEqual(hits.count, 2, r.stdout + r.stderr)
        guard hits.count == 2 else { return }
        XCTAssertTrue(hits[0].contains("family=AF_INET protocol=IPPROTO_TCP sport=0 dport=\(port) saddr=127.0.0.1 daddr=127.0.0.1"), hits[0])
        XCTAssertTrue(hits[0].contains("oldstate=TCP_CLOSE newstate=TCP_SYN_SENT"), hits[0])
        XCTAssertTrue(hits[1].contains("oldstate=TCP_SYN_SENT newstate=TCP_CLOSE"), hits[1])
        // __data_loc strings: exec's filename
        let e = try kpath(["trace", "t:sched:sched_process_exec", "--", "cat", "/etc/hostname"])
        XCTAssertTrue(e.stdout.contains("filename=\"/usr/bin/cat\"") || e.stdout.contains("filename=\"/bin/cat\""), e.stdout + e.stderr)
    }
}
