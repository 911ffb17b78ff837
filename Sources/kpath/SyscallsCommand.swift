import ArgumentParser
import FoundationEssentials
import Glibc
import Probes
import Reports
import Sessions

struct SyscallsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "syscalls",
        abstract: "strace-style lines for a process's syscalls, from syscall tracepoints.",
        discussion: """
        Like strace, the lines go to stderr (or -o FILE); the command's own
        output stays on stdout. -e takes syscall names and classes, comma-separated,
        optionally after trace= and !:
          %network, %net   strace's class (socket, connect, sendto, ... sendfile)
          %file %process %signal %desc %memory %ipc   strace's classes
          socket-io        network, plus read/write/readv/writev/close on socket fds (the default)
          all              every syscall
          !LIST            every syscall but LIST (-e 'trace=!close,%memory')
        Lines appear in the order the calls finished. With -- COMMAND, kpath
        runs it, follows its children, and exits with its exit status; with
        -p PID, it traces until Ctrl-C or until that process exits.

        Examples:
          kpath syscalls -- kpath echo client --proto udp --to 127.0.0.1:7777
          kpath syscalls -e trace=%file -y -o trace.txt -- cat /etc/hosts
          kpath syscalls -c -e all -- ls
          kpath syscalls -e connect,sendto,recvfrom -p 1234
        """)

    @OptionGroup var target: TargetOptions
    var pid: Int32? { target.pid }

    @OptionGroup var tasks: TaskFilterOptions

    @Option(name: [.customShort("e"), .customLong("trace")], help: "Syscalls to show: names, strace's %classes, socket-io, all; !LIST for all but LIST.")
    var expr: String = "socket-io"

    @Option(name: .customShort("o"), help: "Write the trace lines (or -c's table) to FILE instead of stderr (strace -o).")
    var outputFile: String?

    @Flag(name: .customShort("t"), help: "Prefix each line with the wall-clock time at entry, HH:MM:SS.uuuuuu (strace -tt).")
    var timestamps = false

    @Flag(name: .customShort("T"), help: "Show the time spent in each call, <seconds> (strace -T).")
    var durations = false

    @Flag(name: .customShort("f"), help: "With -p, follow the process's new children too (a command's children are always followed); -ff with -o FILE: one file per process, FILE.PID.")
    var follow: Int

    @Flag(name: .customShort("c"), help: "Count calls, errors and time per syscall; print strace -c's table at the end instead of lines.")
    var summary = false

    @Flag(name: .customShort("y"), help: "Show what each fd is, 3</etc/hosts>, 4<socket:[1234]> (strace -y; read from /proc after the call).")
    var fdPaths = false

    @Flag(name: .customShort("x"), help: "Strings with non-printable bytes in hex; -xx: every string in hex (strace -x, -xx).")
    var hex: Int

    @Flag(name: .customShort("Z"), help: "Show only the calls that failed (strace -Z).")
    var failedOnly = false

    @Flag(name: .customShort("z"), help: "Show only the calls that succeeded (strace -z).")
    var successfulOnly = false

    @Flag(name: .customShort("k"), help: "Refused: user-space stacks per syscall are not recorded (see kpath stacks for kernel stacks).")
    var stacks = false

    @Option(name: .customShort("s"), help: "Bytes of each string or buffer to show (strace -s; 1 to 4096).")
    var stringLimit: Int = 32

    @Flag(help: "Print NDJSON (on stdout, or -o FILE): a start line, one line per syscall as it is read (with its strace line), an end line.")
    var json = false

    func validate() throws {
        let most = SyscallRecorder.dataMax
        if !(1...most).contains(stringLimit) { throw ValidationError("-s must be between 1 and \(most) (kpath records at most \(most) bytes of a buffer), got \(stringLimit)") }
        if follow > 2 { throw ValidationError("-f given \(follow) times: -f follows children, -ff with -o FILE writes one file per process") }
        if follow == 2 && outputFile == nil { throw ValidationError("-ff writes one file per process and needs -o FILE (FILE.PID each); without -o use -f: each line carries [pid N]") }
        if follow == 2 && summary { throw ValidationError("-ff and -c exclude each other: -c prints one table for all processes") }
        if follow == 2 && json { throw ValidationError("-ff and --json exclude each other: the JSON records carry pid and tid") }
        if hex > 2 { throw ValidationError("-x given \(hex) times: -x prints non-printable strings in hex, -xx all strings") }
        if failedOnly && successfulOnly { throw ValidationError("-Z (failed calls only) and -z (successful calls only) exclude each other; give one") }
        if stacks {
            throw ValidationError("-k (user-space stack per syscall) is not supported: kpath records no user stacks; for the kernel stacks of a syscall use kpath stacks t:syscalls:sys_enter_NAME -- CMD")
        }
        if summary && json { throw ValidationError("-c and --json exclude each other; give one") }
        if let f = outputFile, f.isEmpty { throw ValidationError("-o needs a file name") }
    }

    func run() throws {
        var exitStatus: Int32? = nil
        try reportingErrors {
            let filter = try SyscallFilter.parse(expr)
            if pid == nil && target.command.isEmpty {
                throw SessionError.badArgument("give -p PID or -- COMMAND (tracing every process system-wide is not useful here)")
            }
            if follow == 2, let f = outputFile {
                // -ff opens FILE.TID as threads show up: the directory must take them
                let dir = f.contains("/") ? String(f[..<f.lastIndex(of: "/")!]) : "."
                if access(dir.isEmpty ? "/" : dir, W_OK) != 0 {
                    throw SessionError.badArgument("cannot write -ff -o \"\(f).PID\": \(String(cString: strerror(errno))) (give a file name in a writable directory)")
                }
            }
            // Lines go to stderr like strace's, or to -o FILE; --json keeps stdout.
            var sink: Int32 = json ? 1 : 2
            if let f = outputFile, follow < 2 {
                sink = open(f, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
                if sink < 0 { throw SessionError.badArgument("cannot write -o \"\(f)\": \(String(cString: strerror(errno))) (give a writable path)") }
            }
            defer { if outputFile != nil && follow < 2 { close(sink) } }
            Interrupt.install()
            var o = SyscallsSession.Options(filter: filter)
            o.pid = pid
            o.tasks = tasks.filter()
            o.command = target.command
            o.followForks = follow > 0
            o.stringLimit = stringLimit
            // keep the JSON alone on stdout: the command's output goes to stderr
            if json { o.commandOutput = .file("/dev/stderr") }
            let session = try SyscallsSession(o)
            if fdPaths { session.collector.fdNames = FDNames() }
            // a threaded -p target: entry records from the start (<unfinished ...>)
            if let p = pid, follow > 0 || threadCount(p) > 1 { session.collector.sendEntries() }
            let options = Strace.Options(timestamp: timestamps, duration: durations, stringLimit: stringLimit, hexStrings: hex)
            var stream = StraceStream(options: options, traced: pid ?? session.child?.pid)
            var counts = SyscallSummary()
            var closedOutput = false
            let write: (String) -> Void = { text in
                if !closedOutput && !writeAll(sink, text) { closedOutput = true }
            }
            // -ff: one file per thread, FILE.TID, lines without [pid N] (strace -ff -o)
            var perProcess = follow == 2 ? PerProcessFiles(base: outputFile ?? "", options: options) : nil
            let shown = { (r: SyscallRecord) -> Bool in
                // -Z/-z keep signals and calls that never return out (strace's)
                if failedOnly { return !r.isSignal && r.failed }
                if successfulOnly { return !r.isSignal && r.finished && !r.failed }
                return true
            }
            let emit: ([SyscallRecord]) -> Void = { all in
                let records = failedOnly || successfulOnly ? all.filter(shown) : all
                guard !records.isEmpty, !closedOutput else { return }
                if summary { counts.add(records); return }
                if json {
                    // --json: one NDJSON line per record, written as it is read (docs/json.md);
                    // entry records only split lines between threads, so they are no records here.
                    var text = ""
                    for r in records where !r.isEntry { text += (try? StreamJSON.syscall(r, line: stream.line(r))) ?? "" }
                    write(text)
                    return
                }
                if perProcess != nil {
                    if !perProcess!.write(records) { closedOutput = true }
                    return
                }
                write(stream.lines(records))
            }
            if json { write(try StreamJSON.syscallsStart(session.result(exitStatus: nil))) }
            if let p = pid { eprint("kpath: Process \(p) attached") }
            try session.releaseCommand()
            while true {
                emit(session.poll(timeoutMs: 100))
                if let c = session.child, !c.isRunning {
                    exitStatus = c.wait()
                    break
                }
                if !session.targetAlive || Interrupt.requested || closedOutput { break }
            }
            emit(session.stop())
            if let p = pid {
                eprint(session.targetAlive ? "kpath: Process \(p) detached" : "kpath: Process \(p) is gone")
            }
            if json {
                write(try StreamJSON.syscallsEnd(exitStatus: exitStatus, lost: session.collector.lost))
            } else if summary {
                write(StraceSummary.table(counts))
            } else if let c = session.child, let s = exitStatus {
                if perProcess != nil { _ = perProcess!.exited(pid: c.pid, status: s) } else { write(stream.exited(pid: c.pid, status: s) + "\n") }
            }
            perProcess?.closeAll()
            if let msg = StraceFormat.lostMessage(session.collector.lost) { eprint(msg) }
        }
        // Like strace: the traced command's exit status is ours.
        if let s = exitStatus, s != 0 { throw ExitCode(s) }
    }
}

/// Threads of a process, from /proc/PID/task.
func threadCount(_ pid: Int32) -> Int {
    guard let d = opendir("/proc/\(pid)/task") else { return 0 }
    defer { closedir(d) }
    var n = 0
    while let e = readdir(d) { if e.pointee.d_name.0 != 0x2e { n += 1 } }
    return n
}
