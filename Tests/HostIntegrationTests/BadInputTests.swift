// Every mistake a user can make on kpath's command line, as a table: each one
// must give exactly one line on stderr (`kpath: error: ...` naming the bad
// value), a non-zero exit (64 for a malformed command line, 1 for input
// checked against the kernel, files or network; docs/errors.md), no crash
// trace, nothing on stdout, no output file, and nothing left behind (no
// child process, no kprobe event). Runs kpath as root, and as nobody
// (setpriv) for the privilege messages. The binary is the one built next to
// this test bundle (or $KPATH_BINARY).
import Foundation
import Glibc
import KernelInfo
import Sessions
import XCTest

final class BadInputTests: XCTestCase {
    static var kpath: String { kpathBinary() }

    /// Where the kernel would keep a kprobe kpath forgot (none on kprobe-less kernels).
    static let kprobeEvents = "/sys/kernel/tracing/kprobe_events"

    struct Case {
        var args: [String]
        /// Substrings stderr must contain (the bad value, and what to do).
        var expect: [String]
        var status: Int32
        /// Only where this kernel cannot probe functions (else the command would run).
        var needsNoKprobes = false
        /// A file the command was asked to write: it must not appear.
        var output: String? = nil
    }

    var dir = ""

    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: Self.kpath), "no kpath binary at \(Self.kpath): swift build first")
        try XCTSkipUnless(geteuid() == 0, "kpath's errors past argument parsing come after the root check: run the host tests as root")
        dir = NSTemporaryDirectory() + "kpath-badinput-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir + "/adir", withIntermediateDirectories: true)
        // Orphans (a held child whose kpath died) come back to us, so we can see them.
        Self.setChildSubreaper(true)
    }

    override func tearDown() {
        Self.setChildSubreaper(false)
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// prctl(PR_SET_CHILD_SUBREAPER): prctl is variadic in C, so it is called by symbol.
    static func setChildSubreaper(_ on: Bool) {
        typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "prctl") else { return }
        _ = unsafeBitCast(symbol, to: Prctl.self)(36 /* PR_SET_CHILD_SUBREAPER */, on ? 1 : 0, 0, 0, 0)
    }

    var cases: [Case] {
        let big = String(repeating: "a", count: 70_000)
        return [
            // funccount
            Case(args: ["funccount"], expect: ["give at least one function pattern"], status: 64),
            Case(args: ["funccount", "t:net:net_dev_queue", "tcp_*"], expect: ["either kernel function patterns or tracepoints", "not both"], status: 64),
            Case(args: ["funccount", "-d", "1", "t:nosuch_kpath:*"], expect: ["no tracepoint nosuch_kpath:*", "ls /sys/kernel/tracing/events"], status: 1),
            Case(args: ["funccount", "--list", "t:nosuch_kpath:event"], expect: ["no tracepoint nosuch_kpath:event"], status: 1),
            Case(args: ["funccount", "--backend", "kprobe", "t:net:*"], expect: ["--backend chooses how functions are probed"], status: 64),
            Case(args: ["funccount", "--tid", "abc", "t:net:*"], expect: ["the value 'abc' is invalid for '--tid <tid>'"], status: 64),
            Case(args: ["funccount", "--tid", "0", "t:net:*"], expect: ["--tid must be a positive thread id, got 0"], status: 64),
            Case(args: ["funccount", "-d", "1", "--tid", "2147483647", "t:net:*"], expect: ["no thread with TID 2147483647", "/proc/PID/task"], status: 1),
            Case(args: ["funccount", "-d", "1", "-c", "4096", "t:net:*"], expect: ["no CPU 4096 on this machine"], status: 1),
            Case(args: ["funccount", "-c", "-1", "t:net:*"], expect: ["-c/--cpu must be a CPU number (0 or more), got -1"], status: 64),
            Case(args: ["funccount", "r::tcp_v4_connect"], expect: ["return probes are not supported"], status: 64),
            Case(args: ["funccount", "-r", "tcp_(("], expect: ["bad regular expression \"tcp_((\""], status: 64),
            Case(args: ["funccount", "-r", "tcp_a+++"], expect: ["bad regular expression \"tcp_a+++\"", "two repetition operators"], status: 64),
            Case(args: ["funccount", "-p", "0", "tcp_*"], expect: ["-p/--pid must be a positive process id, got 0"], status: 64),
            Case(args: ["funccount", "-p", "abc", "tcp_*"], expect: ["'abc' is invalid for '-p <pid>'", "kpath funccount --help"], status: 64),
            Case(args: ["funccount", "-p", "2147483647", "tcp_*"], expect: ["no process with PID 2147483647", "ps -p"], status: 1),
            Case(args: ["funccount", "-d", "-1", "tcp_*"], expect: ["-d/--duration must be a positive number of seconds, got -1"], status: 64),
            Case(args: ["funccount", "-d", "soon", "tcp_*"], expect: ["'soon' is invalid for '-d <duration>'"], status: 64),
            Case(args: ["funccount", "-i", "0", "tcp_*"], expect: ["-i/--interval must be a positive number"], status: 64),
            Case(args: ["funccount", "--backend", "bogus", "tcp_*"], expect: ["unknown backend \"bogus\"", "kprobe-multi, kprobe, fentry"], status: 64),
            Case(args: ["funccount", "tcp_*", "--"], expect: ["nothing after `--`", "give the command to trace"], status: 64),
            Case(args: ["funccount", "-p", "1", "tcp_*", "--", "true"], expect: ["use either -p PID or -- COMMAND"], status: 64),
            Case(args: ["funccount", "--bogus-flag", "tcp_*"], expect: ["unknown option '--bogus-flag'", "kpath funccount --help"], status: 64),
            Case(args: ["funccount", "tcp_v4_connect"], expect: ["cannot probe kernel functions on this kernel", "kpath doctor"], status: 1, needsNoKprobes: true),
            Case(args: ["funccount", "--backend", "kprobe-multi", "tcp_v4_connect"], expect: ["backend kprobe-multi is not available here", "omit --backend"], status: 1, needsNoKprobes: true),
            Case(args: ["funccount", "--list", "nosuch_kpath_fn*"], expect: ["no traceable kernel function matches \"nosuch_kpath_fn*\""], status: 1),
            // graph
            Case(args: ["graph", "--", "true"], expect: ["kpath graph needs function probes (kprobes)", "kpath doctor"], status: 1, needsNoKprobes: true),
            Case(args: ["graph"], expect: ["give -p PID or -- COMMAND", "kpath graph traces one program"], status: 1),
            Case(args: ["graph", "--depth", "0", "--", "true"], expect: ["--depth must be a positive number of levels, got 0"], status: 64),
            Case(args: ["graph", "--min-time", "soon", "--", "true"], expect: ["--min-time \"soon\" is not a duration", "5us"], status: 64),
            Case(args: ["graph", "--backend", "fentry", "--", "true"], expect: ["kpath graph records returns through kprobes"], status: 64),
            Case(args: ["graph", "--backend", "bogus", "--", "true"], expect: ["unknown backend \"bogus\"", "kprobe-multi, kprobe, fentry, tracepoint"], status: 64),
            Case(args: ["graph", "-r", "tcp_((", "--", "true"], expect: ["bad regular expression \"tcp_((\""], status: 64),
            // stacks / trace
            Case(args: ["stacks"], expect: ["give at least one target", "t:net:net_dev_queue"], status: 64),
            Case(args: ["stacks", "t:net"], expect: ["bad target \"t:net\"", "t:CATEGORY:EVENT"], status: 1),
            Case(args: ["stacks", "t:net\n:x"], expect: ["bad target \"t:net\\n:x\"", "\"\\n\" cannot appear"], status: 1),
            Case(args: ["stacks", "--backend", "fentry", "tcp_v4_connect"], expect: ["backend fentry is not available here", "kernel stacks at functions are taken through kprobes"], status: 1),
            Case(args: ["stacks", "u:libc:malloc"], expect: ["bad target \"u:libc:malloc\"", "user-space probes are not supported"], status: 1),
            Case(args: ["stacks", "-d", "1", "t:nosuch_kpath:event"], expect: ["no tracepoint nosuch_kpath:event", "ls /sys/kernel/tracing/events"], status: 1),
            Case(args: ["stacks", "--svg", dir + "/adir", "t:net:net_dev_queue"], expect: ["cannot write \(dir)/adir: it is a directory", "give a file name"], status: 1),
            Case(args: ["stacks", "--svg", "/nonexistent-kpath/x.svg", "t:net:net_dev_queue"], expect: ["cannot write /nonexistent-kpath/x.svg", "No such file or directory"], status: 1, output: "/nonexistent-kpath/x.svg"),
            Case(args: ["stacks", "--svg", "/sys/kpath-x.svg", "t:net:net_dev_queue"], expect: ["cannot write /sys/kpath-x.svg"], status: 1, output: "/sys/kpath-x.svg"),
            Case(args: ["stacks", "--limit", "0", "t:net:net_dev_queue"], expect: ["--limit must be a positive number of stacks, got 0"], status: 64),
            Case(args: ["stacks", "--folded", "--json", "t:net:net_dev_queue"], expect: ["use either --folded or --json"], status: 64),
            Case(args: ["stacks", "--svg", dir + "/x.svg", "t:net:net_dev_queue", "--", "/nonexistent-kpath/cmd"], expect: ["command not found: /nonexistent-kpath/cmd"], status: 1, output: dir + "/x.svg"),
            Case(args: ["trace", "-M", "0", "t:net:net_dev_queue"], expect: ["-M/--max-events must be a positive number, got 0"], status: 64),
            Case(args: ["trace", "-K", "r::tcp_v4_connect"], expect: ["bad target \"r::tcp_v4_connect\"", "return probes are not supported"], status: 1),
            Case(args: ["trace", "-K", "p:libc:malloc"], expect: ["bad target \"p:libc:malloc\"", "p::FUNC"], status: 1),
            Case(args: ["trace", "-K", "x:y"], expect: ["unknown probe type \"x\""], status: 1),
            Case(args: ["trace", "-L", "0", "t:net:net_dev_queue"], expect: ["-L must be a positive thread id, got 0"], status: 64),
            Case(args: ["trace", "-L", "5", "--tid", "5", "t:net:net_dev_queue"], expect: ["-L and --tid are the same"], status: 64),
            Case(args: ["trace", "--comm", "", "t:net:net_dev_queue"], expect: ["--comm needs a process name"], status: 64),
            Case(args: ["trace", "-d", "1", "--tid", "2147483647", "t:net:net_dev_queue"], expect: ["no thread with TID 2147483647"], status: 1),
            Case(args: ["stacks", "-i", "0", "t:net:net_dev_queue"], expect: ["-i/--interval must be a positive number of seconds, got 0.0"], status: 64),
            Case(args: ["stacks", "-i", "1", "--json", "t:net:net_dev_queue"], expect: ["-i prints text", "drop -i"], status: 64),
            Case(args: ["stacks", "--tid", "x", "t:net:net_dev_queue"], expect: ["the value 'x' is invalid for '--tid <tid>'"], status: 64),
            Case(args: ["syscalls", "--comm", "a-name-longer-than-15", "--", "true"], expect: ["--comm \"a-name-longer-than-15\" is longer than the 15 bytes"], status: 64),
            Case(args: ["syscalls", "--tid", "2147483647", "--", "true"], expect: ["no thread with TID 2147483647"], status: 1),
            Case(args: ["trace", "-n", "", "t:net:net_dev_queue"], expect: ["-n/--name needs a process name"], status: 64),
            Case(args: ["trace", "-t", "-T", "t:net:net_dev_queue"], expect: ["use either -t", "or -T"], status: 64),
            Case(args: ["stacks", "-D", "0", "t:net:net_dev_queue"], expect: ["-D must be a positive number of seconds, got 0.0"], status: 64),
            Case(args: ["stacks", "-D", "1", "-d", "1", "t:net:net_dev_queue"], expect: ["-D and -d are the same"], status: 64),
            // syscalls
            Case(args: ["syscalls"], expect: ["give -p PID or -- COMMAND"], status: 1),
            Case(args: ["syscalls", "-e", "bogus", "--", "true"], expect: ["unknown syscall \"bogus\"", "network"], status: 1),
            Case(args: ["syscalls", "-s", "0", "--", "true"], expect: ["-s must be between 1 and 4096", "got 0"], status: 64),
            Case(args: ["syscalls", "-s", "5000", "--", "true"], expect: ["-s must be between 1 and 4096", "got 5000"], status: 64),
            Case(args: ["syscalls", "-ff", "--", "true"], expect: ["-ff writes one file per process and needs -o FILE", "use -f"], status: 64),
            Case(args: ["syscalls", "-fff", "-o", dir + "/t", "--", "true"], expect: ["-f given 3 times", "-ff with -o FILE"], status: 64),
            Case(args: ["syscalls", "-ff", "-c", "-o", dir + "/t", "--", "true"], expect: ["-ff and -c exclude each other"], status: 64),
            Case(args: ["syscalls", "-ff", "--json", "-o", dir + "/t", "--", "true"], expect: ["-ff and --json exclude each other"], status: 64),
            Case(args: ["syscalls", "-ff", "-o", "/nonexistent-kpath/t", "--", "true"], expect: ["cannot write -ff -o \"/nonexistent-kpath/t.PID\"", "writable directory"], status: 1),
            Case(args: ["syscalls", "-xxx", "--", "true"], expect: ["-x given 3 times", "-xx all strings"], status: 64),
            Case(args: ["syscalls", "-Z", "-z", "--", "true"], expect: ["-Z (failed calls only) and -z (successful calls only) exclude each other"], status: 64),
            Case(args: ["syscalls", "-k", "--", "true"], expect: ["-k (user-space stack per syscall) is not supported", "kpath stacks t:syscalls:sys_enter_NAME"], status: 64),
            Case(args: ["syscalls", "-c", "--json", "--", "true"], expect: ["-c and --json exclude each other"], status: 64),
            Case(args: ["tour", "--step", "--json"], expect: ["--step waits between printed steps", "give one"], status: 64),
            Case(args: ["syscalls", "-o", "/sys/kpath-x.txt", "--", "true"], expect: ["cannot write -o \"/sys/kpath-x.txt\""], status: 1, output: "/sys/kpath-x.txt"),
            Case(args: ["syscalls", "-e", "!all", "--", "true"], expect: ["! cannot negate all or socket-io"], status: 1),
            Case(args: ["syscalls", "-e", "trace=%bogus", "--", "true"], expect: ["unknown syscall \"%bogus\"", "%file"], status: 1),
            Case(args: ["syscalls", "-p", "-5"], expect: ["-p/--pid must be a positive process id, got -5"], status: 64),
            Case(args: ["syscalls", "-p", "1", "--", "true"], expect: ["use either -p PID or -- COMMAND"], status: 64),
            Case(args: ["syscalls", "--", "nosuch-kpath-command"], expect: ["command not found: nosuch-kpath-command"], status: 1),
            // compare
            Case(args: ["compare", "tcp", "sctp"], expect: ["unknown protocol \"sctp\"", "kpath compare tcp udp"], status: 64),
            Case(args: ["compare", "tcp", "tcp"], expect: ["protocol \"tcp\" is named twice", "each protocol once"], status: 64),
            Case(args: ["compare", "tcp", "unix", "TCP"], expect: ["protocol \"tcp\" is named twice"], status: 64),
            Case(args: ["compare", "tcp", "unixstream"], expect: ["unknown protocol \"unixstream\"", "tcp, udp, tcp6, udp6, unix, unixgram"], status: 64),
            Case(args: ["compare", "unix"], expect: ["compare puts two or more protocols side by side"], status: 64),
            Case(args: ["compare", "--run", "a=true", "--run", "b=true", "--functions", "seen"], expect: ["--functions seen is the functions seen in compare's protocol dials", "give patterns or `all`"], status: 64),
            Case(args: ["compare", "--functions", "t:net:net_dev_queue"], expect: ["this command counts kernel function calls", "kpath stacks t:net:net_dev_queue"], status: 64),
            Case(args: ["compare", "udp"], expect: ["compare puts two or more protocols side by side", "kpath compare tcp udp"], status: 64),
            Case(args: ["compare", "--count", "0"], expect: ["--count must be a positive number of dials, got 0"], status: 64),
            Case(args: ["compare", "--count", "1000000"], expect: ["--count 1000000 is too many", "at most 100000"], status: 64),
            Case(args: ["compare", "--side", "nobody"], expect: ["--side must be client, server or both, got \"nobody\""], status: 64),
            Case(args: ["compare", "--backend", "bogus"], expect: ["unknown backend \"bogus\""], status: 64),
            Case(args: ["compare", "--html", dir + "/adir"], expect: ["cannot write \(dir)/adir: it is a directory", "report.html"], status: 64),
            Case(args: ["compare", "--html", "/nonexistent-kpath/r.html"], expect: ["cannot write /nonexistent-kpath/r.html", "No such file or directory"], status: 64, output: "/nonexistent-kpath/r.html"),
            Case(args: ["compare", "--count", "1", "--functions", "nosuch_kpath_fn*", "--html", dir + "/r.html"], expect: ["no traceable kernel function matches \"nosuch_kpath_fn*\""], status: 1, output: dir + "/r.html"),
            Case(args: ["compare", "--backend", "kprobe"], expect: ["backend kprobe is not available here"], status: 1, needsNoKprobes: true),
            // compare --run NAME=CMD
            Case(args: ["compare", "tcp", "--run", "a=ls", "--run", "b=ls"], expect: ["give either protocols", "or --run NAME=CMD commands, not both"], status: 64),
            Case(args: ["compare", "--run", "a=ls"], expect: ["two or more commands side by side", "add another --run NAME=CMD"], status: 64),
            Case(args: ["compare", "--run", "a=ls", "--run", "a=cat /etc/hostname"], expect: ["--run name \"a\" is used twice"], status: 64),
            Case(args: ["compare", "--run", "ls", "--run", "b=ls"], expect: ["--run \"ls\" has no \"=\"", "--run NAME=CMD"], status: 64),
            Case(args: ["compare", "--run", "a=", "--run", "b=ls"], expect: ["the command after \"=\" is empty"], status: 64),
            Case(args: ["compare", "--run", "=ls", "--run", "b=ls"], expect: ["the name before \"=\" is empty"], status: 64),
            Case(args: ["compare", "--run", "a=nosuch-kpath-command", "--run", "b=ls"], expect: ["command not found: nosuch-kpath-command"], status: 1),
            // echo (the workload)
            Case(args: ["echo", "client"], expect: ["missing expected argument '--to <address>'", "kpath echo client --help"], status: 64),
            Case(args: ["echo", "client", "--to", "localhost"], expect: ["malformed address \"localhost\": missing port", "HOST:PORT"], status: 1),
            Case(args: ["echo", "client", "--to", "::1:80"], expect: ["malformed address \"::1:80\"", "needs brackets"], status: 1),
            Case(args: ["echo", "client", "--to", "127.0.0.1:http"], expect: ["invalid port \"http\"", "1-65535"], status: 1),
            Case(args: ["echo", "client", "--to", "127.0.0.1:70000"], expect: ["port 70000 out of range"], status: 1),
            Case(args: ["echo", "client", "--proto", "sctp", "--to", "127.0.0.1:9"], expect: ["unknown protocol \"sctp\"", "udp, tcp, udp6, tcp6, unix, unixgram"], status: 1),
            Case(args: ["echo", "client", "--count", "0", "--to", "127.0.0.1:9"], expect: ["count must be at least 1 (got 0)"], status: 1),
            Case(args: ["echo", "client", "--timeout", "0", "--to", "127.0.0.1:9"], expect: ["timeout must be greater than 0"], status: 1),
            Case(args: ["echo", "client", "--to", "127.0.0.1:9", "--message", big], expect: ["message is 70000 bytes", "--proto tcp"], status: 1),
            Case(args: ["echo", "server", "--listen", "127.0.0.1:99999"], expect: ["port 99999 out of range"], status: 1),
            Case(args: ["echo", "bench", "--seconds", "0"], expect: ["duration must be greater than 0"], status: 1),
            // anywhere
            Case(args: ["bogus"], expect: ["unexpected argument 'bogus'", "kpath --help"], status: 64),
            Case(args: ["doctor", "--bogus"], expect: ["unknown option '--bogus'", "kpath doctor --help"], status: 64),
        ]
    }

    typealias Run = CommandRun

    /// Runs kpath (as nobody through setpriv when asked), killed after `timeout` s.
    func run(_ args: [String], asNobody: Bool = false, timeout: Double = 60) throws -> Run {
        asNobody ? try runCommand("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--", Self.kpath] + args,
                                  directory: dir, timeout: timeout)
                 : try runCommand(Self.kpath, args, directory: dir, timeout: timeout)
    }

    /// Children that appeared since `before` and are still there after up to a
    /// second (a held child killed with its kpath may take a moment to go).
    func leftovers(since before: Set<String>) -> [String] {
        var left: [String] = []
        for _ in 0..<20 {
            left = children().filter { !before.contains($0) }
            if left.isEmpty { break }
            usleep(50_000)
        }
        return left
    }

    /// Our children still alive (kpath's orphans come to us: we are a subreaper).
    func children() -> [String] {
        let me = getpid()
        var out: [String] = []
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where Int32(entry) != nil {
            guard let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
            if fields.count > 1, Int32(fields[1]) == me, fields[0] != "Z" { out.append("\(entry) \(stat[..<close]))") }
        }
        return out
    }

    /// One line, `kpath: error: ...`, with every expected part, and no crash report.
    func checkOneLine(_ r: Run, _ c: Case, _ label: String) {
        XCTAssertEqual(r.status, c.status, "\(label): exit status\n\(r.stderr)")
        XCTAssertEqual(r.stdout, "", "\(label): nothing on stdout")
        let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 2, "\(label): one line on stderr:\n\(r.stderr)")
        XCTAssertEqual(lines.last, "", "\(label): ends with a newline")
        XCTAssertTrue(r.stderr.hasPrefix("kpath: error: "), "\(label): \(r.stderr)")
        for part in c.expect {
            XCTAssertTrue(r.stderr.contains(part), "\(label): missing \(part.debugDescription) in \(r.stderr)")
        }
        for crash in ["Fatal error", "Stack dump", "backtrace", "Illegal instruction", "Segmentation fault", "Swift runtime failure"] {
            XCTAssertFalse(r.stderr.contains(crash), "\(label): crash report: \(r.stderr)")
        }
    }

    func testEveryBadInputIsOneClearLine() throws {
        let kprobesUnavailable = KernelFeatures.detect().kprobesUnavailableReason != nil
        let eventsBefore = try? String(contentsOfFile: Self.kprobeEvents, encoding: .utf8)
        var ran = 0
        for c in cases {
            if c.needsNoKprobes && !kprobesUnavailable { continue }
            let label = "kpath " + c.args.map { $0.count > 60 ? "<\($0.count) bytes>" : $0.debugDescription }.joined(separator: " ")
            let before = Set(try FileManager.default.contentsOfDirectory(atPath: dir))
            let kids = Set(children())
            let r = try run(c.args)
            checkOneLine(r, c, label)
            if let out = c.output {
                XCTAssertFalse(FileManager.default.fileExists(atPath: out), "\(label): left \(out)")
            }
            XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: dir)), before, "\(label): no file (or temporary file) left")
            XCTAssertEqual(leftovers(since: kids), [], "\(label): a process was left running")
            ran += 1
        }
        XCTAssertGreaterThanOrEqual(ran, 50, "the table covers at least 50 mistakes here")
        XCTAssertEqual(try? String(contentsOfFile: Self.kprobeEvents, encoding: .utf8), eventsBefore, "no kprobe left in \(Self.kprobeEvents)")
    }

    /// An existing report is left as it was when the run fails.
    func testFailedRunLeavesAnExistingReportUnchanged() throws {
        let path = dir + "/old.html"
        try "old report\n".write(toFile: path, atomically: false, encoding: .utf8)
        let r = try run(["compare", "--count", "1", "--functions", "nosuch_kpath_fn*", "--html", path])
        checkOneLine(r, Case(args: [], expect: ["no traceable kernel function matches"], status: 1), "compare --html old.html")
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "old report\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).sorted(), ["adir", "old.html"])
    }

    /// Not root: every tracing command names what it needs.
    func testUnprivilegedUserIsToldWhichCapabilities() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), "no setpriv (util-linux) to drop privileges")
        let probe = try run(["--help"], asNobody: true)
        try XCTSkipIf(probe.status == 126 || probe.stderr.contains("Permission denied"),
                      "nobody cannot execute \(Self.kpath) (a parent directory is closed to others)")
        for args in [["funccount", "tcp_*"], ["stacks", "t:net:net_dev_queue"], ["trace", "-K", "t:net:net_dev_queue"],
                     ["syscalls", "--", "true"], ["compare", "--count", "1"]] {
            let kids = Set(children())
            let r = try run(args, asNobody: true)
            checkOneLine(r, Case(args: args, expect: ["needs root (or CAP_BPF and CAP_PERFMON)", "sudo"], status: 1), "nobody: kpath \(args.joined(separator: " "))")
            XCTAssertEqual(leftovers(since: kids), [])
        }
    }

    /// No kernel BTF cannot be staged on a running host (nor in the VM, whose
    /// kernels have it): the check itself is exercised here.
    func testKernelWithoutBTFIsOneClearLine() throws {
        var f = KernelFeatures.detect()
        f.btf = false
        XCTAssertThrowsError(try Preflight.requirePrivileges(f)) { e in
            let s = "\(e)"
            XCTAssertTrue(s.contains("no BTF") && s.contains("CONFIG_DEBUG_INFO_BTF=y"), s)
            XCTAssertFalse(s.contains("\n"))
        }
    }
}
