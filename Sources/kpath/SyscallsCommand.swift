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
        runs it, follows its children, and exits with its exit status.

        Examples:
          kpath syscalls -- kpath echo client --proto udp --to 127.0.0.1:7777
          kpath syscalls -e trace=%file -y -o trace.txt -- cat /etc/hosts
          kpath syscalls -c -e all -- ls
          kpath syscalls -e connect,sendto,recvfrom -p 1234
        """)

    @Option(name: .shortAndLong, parsing: .unconditional, help: "Trace this process (tgid) until Ctrl-C or until it exits.")
    var pid: Int32?

    @OptionGroup var tasks: TaskFilterOptions

    @Option(name: [.customShort("e"), .customLong("trace")], help: "Syscalls to show: names, strace's %classes, socket-io, all; !LIST for all but LIST.")
    var expr: String = "socket-io"

    @Option(name: .customShort("o"), help: "Write the trace lines (or -c's table) to FILE instead of stderr (strace -o).")
    var outputFile: String?

    @Flag(name: .customShort("t"), help: "Prefix each line with the wall-clock time at entry, HH:MM:SS.uuuuuu (strace -tt).")
    var timestamps = false

    @Flag(name: .customShort("T"), help: "Show the time spent in each call, <seconds> (strace -T).")
    var durations = false

    @Flag(name: .customShort("f"), help: "With -p, follow the process's new children too (a command's children are always followed).")
    var follow: Int

    @Flag(name: .customShort("c"), help: "Count calls, errors and time per syscall; print strace -c's table at the end instead of lines.")
    var summary = false

    @Flag(name: .customShort("y"), help: "Show what each fd is, 3</etc/hosts>, 4<socket:[1234]> (strace -y; read from /proc after the call).")
    var fdPaths = false

    @Option(name: .customShort("s"), help: "Bytes of each string or buffer to show (strace -s; 1 to 4096).")
    var stringLimit: Int = 32

    @Flag(help: "Print the records (with their strace lines) as JSON when tracing ends.")
    var json = false

    func validate() throws {
        try validateTarget(pid: pid)
        let most = SyscallRecorder.dataMax
        if !(1...most).contains(stringLimit) { throw ValidationError("-s must be between 1 and \(most) (kpath records at most \(most) bytes of a buffer), got \(stringLimit)") }
        if follow > 1 { throw ValidationError("-ff (one file per process) is not supported; use -f, with -o FILE if you like: each line carries [pid N]") }
        if summary && json { throw ValidationError("-c and --json exclude each other; give one") }
        if let f = outputFile, f.isEmpty { throw ValidationError("-o needs a file name") }
    }

    func run() throws {
        var exitStatus: Int32? = nil
        try reportingErrors {
            let filter = try SyscallFilter.parse(expr)
            if pid == nil && passthroughCommand.isEmpty {
                throw SessionError.badArgument("give -p PID or -- COMMAND (tracing every process system-wide is not useful here)")
            }
            // Lines go to stderr like strace's, or to -o FILE; --json keeps stdout.
            var sink: Int32 = json ? 1 : 2
            if let f = outputFile {
                sink = open(f, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
                if sink < 0 { throw SessionError.badArgument("cannot write -o \"\(f)\": \(String(cString: strerror(errno))) (give a writable path)") }
            }
            defer { if outputFile != nil { close(sink) } }
            Interrupt.install()
            var o = SyscallsSession.Options(filter: filter)
            o.pid = pid
            o.tasks = tasks.filter()
            o.command = passthroughCommand
            o.followForks = follow > 0
            o.accumulate = json
            o.stringLimit = stringLimit
            // keep the JSON alone on stdout: the command's output goes to stderr
            if json { o.commandOutput = .file("/dev/stderr") }
            let session = try SyscallsSession(o)
            if fdPaths { session.collector.fdNames = FDNames() }
            let options = Strace.Options(timestamp: timestamps, duration: durations, stringLimit: stringLimit)
            var stream = StraceStream(options: options, traced: pid ?? session.child?.pid)
            var counts = SyscallSummary()
            var closedOutput = false
            let write: (String) -> Void = { text in
                if !closedOutput && !writeAll(sink, text) { closedOutput = true }
            }
            let emit: ([SyscallRecord]) -> Void = { records in
                guard !json, !records.isEmpty, !closedOutput else { return }
                if summary { counts.add(records); return }
                var text = ""
                for r in records { text += stream.line(r) + "\n" }
                write(text)
            }
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
                _ = out(try StraceFormat.json(session.result(exitStatus: exitStatus), options) + "\n")
            } else if summary {
                write(StraceSummary.table(counts))
            } else if let c = session.child, let s = exitStatus {
                write(stream.exited(pid: c.pid, status: s) + "\n")
            }
            if let msg = StraceFormat.lostMessage(session.collector.lost) { eprint(msg) }
        }
        // Like strace: the traced command's exit status is ours.
        if let s = exitStatus, s != 0 { throw ExitCode(s) }
    }
}
