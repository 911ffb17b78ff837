// Real strace (Debian's package) beside `kpath syscalls -e all` on the same
// programs: per process (thread), the same syscall names in the same order,
// and for strace's %network and %file calls the same decoded arguments and
// results (pointers, ephemeral ports and socket inodes normalized; arguments
// kpath leaves as pointers, such as a struct stat, are counted, not compared).
// Calls whose number depends on timing (futex, rt_sigreturn, a call a signal
// interrupted) are left out on both sides. Needs root and /usr/bin/strace.
import Foundation
import Glibc
import KernelInfo
import XCTest

final class StraceConformanceHostTests: XCTestCase {
    static let strace = "/usr/bin/strace"
    static let python = "/usr/bin/python3"
    /// Left out for multi-threaded programs: glibc's stack and arena reuse depends on thread timing.
    static let memory: Set<String> = ["mmap", "munmap", "mprotect", "madvise"]

    override func setUpWithError() throws {
        try XCTSkipUnless(geteuid() == 0, "kpath syscalls loads BPF programs: run as root")
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: kpathBinary()), "no kpath binary: swift build")
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: Self.strace),
                          "no \(Self.strace): apt-get install strace (scripts/install-deps --test does)")
    }

    struct Outcome {
        var processes = 0, calls = 0, argsCompared = 0, undecoded = 0, left = 0, known = 0, signals = 0
        var differences: [String] = []
    }

    /// Arguments compared: strace's %network and %file calls, and the process,
    /// memory and fd calls kpath decodes (clone, wait4, mmap, fcntl, kill, ...).
    static let compared: Set<String> = Set((SyscallClasses.named("network") ?? []) + (SyscallClasses.named("file") ?? [])
        + ["clone", "clone3", "vfork", "fork", "wait4", "kill", "tgkill", "tkill", "mmap", "mprotect", "munmap", "fcntl", "exit_group"])

    func run(_ argv: [String], ignoring: Set<String>) throws -> Outcome {
        let dir = NSTemporaryDirectory() + "kpath-conformance-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let straceOut = dir + "/strace.txt"
        let s = try runCommand(Self.strace, ["-f", "-o", straceOut, "-s", "32", "--"] + argv, timeout: 60, failOnTimeout: true)
        XCTAssertEqual(s.status, 0, "strace \(argv): \(s.stderr)")
        let k = try runCommand(kpathBinary(), ["syscalls", "--json", "-e", "all", "-s", "32", "--"] + argv, timeout: 60, failOnTimeout: true)
        XCTAssertEqual(k.status, 0, "kpath \(argv): \(k.stderr)")
        let theirs = StraceConformance.parseStrace(try String(contentsOfFile: straceOut, encoding: .utf8))
        let ours = try StraceConformance.parseKpath(k.stdout)
        let drop = { (calls: [TracedCall]) in calls.filter { !ignoring.contains($0.name) } }
        return compare(strace: theirs.mapValues(drop), kpath: ours.mapValues(drop))
    }

    func compare(strace: [Int: [TracedCall]], kpath: [Int: [TracedCall]]) -> Outcome {
        var o = Outcome()
        let keep = { (calls: [TracedCall]) -> [TracedCall] in calls.filter { !StraceConformance.timingDependent($0) } }
        o.known = strace.values.reduce(0) { $0 + $1.filter(StraceConformance.unfinishedAtExit).count }
        let strace = strace.mapValues { $0.filter { !StraceConformance.unfinishedAtExit($0) } }
        var unmatched = kpath.mapValues(keep)
        o.left = strace.values.reduce(0) { $0 + $1.filter(StraceConformance.timingDependent).count }
        for pid in strace.keys.sorted() {
            let theirs = keep(strace[pid]!)
            o.processes += 1
            let names = theirs.map(\.name)
            // the kpath thread with the same names, else the closest (longest common prefix)
            let pick = unmatched.first { $0.value.map(\.name) == names }?.key
                ?? unmatched.max { commonPrefix($0.value.map(\.name), names) < commonPrefix($1.value.map(\.name), names) }?.key
            guard let tid = pick, let ours = unmatched.removeValue(forKey: tid) else {
                // the helper-thread race below, seen from strace's side
                if theirs.count <= 10 && !names.contains("execve") { o.left += theirs.count; continue }
                o.differences.append("strace process \(pid) (\(names.count) calls) has no kpath counterpart")
                continue
            }
            let sa = StraceConformance.signals(strace[pid]!), sb = StraceConformance.signals(kpath[tid] ?? [])
            if sa != sb { o.differences.append("process \(pid): signals: strace \(sa) kpath \(sb)") } else { o.signals += sa.count }
            let at = commonPrefix(ours.map(\.name), names)
            if ours.map(\.name) != names && !names.contains("execve") && at == min(names.count, ours.count) {
                // a helper thread the process's exit_group cut short: one side saw it get further
                o.left += abs(names.count - ours.count)
            } else if ours.map(\.name) != names {
                o.differences.append("process \(pid): names part at call \(at): strace \(names.dropFirst(at).prefix(3)) kpath \(ours.map(\.name).dropFirst(at).prefix(3))")
            }
            for (a0, b0) in zip(theirs, ours) {
                if a0.name != b0.name { break } // compared up to where the names part
                let a = StraceConformance.normalizePIDs(a0), b = StraceConformance.normalizePIDs(b0)
                o.calls += 1
                guard Self.compared.contains(a.name) else { continue }
                let ta = a.args.map(StraceConformance.normalize), tb = b.args.map(StraceConformance.normalize)
                let ra = StraceConformance.normalize(a.result), rb = StraceConformance.normalize(b.result)
                var same = ta.count == tb.count && ra == rb
                for (x, y) in zip(ta, tb) {
                    if StraceConformance.undecoded(y, strace: x) && x != y { o.undecoded += 1; continue }
                    o.argsCompared += 1
                    if x != y { same = false }
                }
                if !same && StraceConformance.known(strace: a, kpath: b) { o.known += 1; continue }
                if !same { o.differences.append("strace: \(a.text)\n      kpath:  \(b.text)") }
            }
        }
        for (tid, calls) in unmatched where !calls.isEmpty {
            // a helper thread the process ended while it was starting (the echo
            // client's signal thread): whether it got that far is the scheduler's call
            if calls.count <= 10 && !calls.contains(where: { $0.name == "execve" }) { o.left += calls.count; continue }
            o.differences.append("kpath thread \(tid) (\(calls.count) calls: \(calls.prefix(3).map(\.name))) has no strace counterpart")
        }
        return o
    }

    func commonPrefix(_ a: [String], _ b: [String]) -> Int { zip(a, b).prefix { $0 == $1 }.count }

    func check(_ label: String, _ argv: [String], ignoring: Set<String> = [], file: StaticString = #filePath, line: UInt = #line) throws {
        let o = try run(argv, ignoring: ignoring)
        print("conformance \(label): \(o.processes) processes, \(o.calls) calls compared by name, \(o.argsCompared) network/file arguments compared, \(o.undecoded) left as pointers by kpath, \(o.left) timing-dependent calls left out, \(o.known) known differences, \(o.signals) signals compared, \(o.differences.count) differences")
        XCTAssertGreaterThan(o.calls, 10, "\(label): too few calls to compare", file: file, line: line)
        XCTAssertTrue(o.differences.isEmpty, "\(label):\n  " + o.differences.prefix(40).joined(separator: "\n  "), file: file, line: line)
    }

    func testShellPipeline() throws { try check("sh pipeline", ["/bin/sh", "-c", "cat /etc/hostname | wc -c; ls /nonexistent-kpath || true"]) }
    func testLs() throws { try check("ls", ["/bin/ls", "-l", "/etc/hostname", "/"]) }
    func testCat() throws { try check("cat", ["/bin/cat", "/etc/hostname", "/etc/os-release"]) }
    func testGetaddrinfoLocalhost() throws { try check("getaddrinfo localhost", ["/usr/bin/getent", "ahosts", "localhost"]) }

    func testEchoClientTCPAndUDP() throws {
        for proto in ["tcp", "udp"] {
            let port = try startEchoServer(proto)
            // two threads: as in testPythonThreads, memory calls follow the scheduler
            try check("echo client \(proto)", [kpathBinary(), "echo", "client", "--proto", proto, "--to", "127.0.0.1:\(port)", "--message", "hello"],
                      ignoring: Self.memory)
        }
    }

    func testPythonSocket() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: Self.python), "no \(Self.python): the python3 socket program needs it")
        let port = try startEchoServer("tcp")
        let code = "import socket\ns = socket.create_connection(('127.0.0.1', \(port)))\ns.sendall(b'hello')\ns.recv(16)\ns.close()"
        try check("python3 socket", [Self.python, "-S", "-c", code])
    }

    func testForkWaitSignals() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: Self.python), "no \(Self.python): the fork program needs it")
        // one process at a time, no threads: every clone, wait4 status, mmap, fcntl and signal is the program's doing
        // (fcntl on a file it opens: stdout's flags are the harness's, which differs between the two runs)
        let code = """
        import os, signal, fcntl, mmap
        signal.signal(signal.SIGCHLD, lambda *a: None)
        signal.signal(signal.SIGUSR1, lambda *a: None)
        for code in (0, 3):
            pid = os.fork()
            if pid == 0:
                if code:
                    os.getppid()  # the children differ in their calls, not only in exit code: matched by names
                os._exit(code)
            while True:
                try:
                    os.waitpid(pid, 0)
                    break
                except InterruptedError:
                    pass
        m = mmap.mmap(-1, 8192)
        m.close()
        fd = os.open('/etc/hostname', os.O_RDONLY)
        fcntl.fcntl(fd, fcntl.F_GETFD)
        fcntl.fcntl(fd, fcntl.F_SETFD, 0)
        fcntl.fcntl(fd, fcntl.F_GETFD)
        fcntl.fcntl(fd, fcntl.F_SETFL, os.O_NONBLOCK)
        fcntl.fcntl(fd, fcntl.F_GETFL)
        os.close(fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10))
        os.kill(os.getpid(), signal.SIGUSR1)
        """
        try check("python3 fork, wait, signals", [Self.python, "-S", "-c", code])
    }

    func testPythonThreads() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: Self.python), "no \(Self.python): the threaded program needs it")
        // one thread at a time: which thread gets which fd is then the program's doing, not the scheduler's
        // (join returns before the thread's last calls: the sleep lets it finish them)
        let code = "import threading, time\nfor _ in range(3):\n    t = threading.Thread(target=lambda: open('/etc/hostname').read())\n    t.start()\n    t.join()\n    time.sleep(0.05)"
        // glibc reuses a joined thread's stack only once that thread has fully
        // exited: whether the next start maps a new one is the scheduler's call
        try check("python3 threads", [Self.python, "-S", "-c", code], ignoring: Self.memory)
    }
}
