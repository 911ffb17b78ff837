import ArgumentParser
import FoundationEssentials
import Glibc
import Probes
import Reports
import Sessions

struct SyscallsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "syscalls",
        abstract: "strace-style lines for a process's socket syscalls, from syscall tracepoints.",
        discussion: """
        -e takes syscall names and classes, comma-separated:
          network    strace's %network class exactly (socket, connect, sendto, ... getsockopt)
          socket-io  network, plus read/write/readv/writev/close on socket fds (the default)
          all        every syscall (only socket calls are decoded; others print numbers)
        Lines appear in the order the calls finished. With -- COMMAND, kpath
        runs it, follows its children, and exits with its exit status.

        Examples:
          kpath syscalls -- kpath echo client --proto udp --to 127.0.0.1:7777
          kpath syscalls -e network -t -- curl -s http://127.0.0.1:8080/
          kpath syscalls -e connect,sendto,recvfrom -p 1234
        """)

    @Option(name: .shortAndLong, parsing: .unconditional, help: "Trace this process (tgid) until Ctrl-C or until it exits.")
    var pid: Int32?

    @Option(name: [.customShort("e"), .customLong("trace")], help: "Syscalls to show: names and classes network, socket-io, all.")
    var expr: String = "socket-io"

    @Flag(name: .customShort("t"), help: "Prefix each line with the wall-clock time at entry, HH:MM:SS.uuuuuu (strace -tt).")
    var timestamps = false

    @Flag(name: .customShort("T"), help: "Show the time spent in each call, <seconds> (strace -T).")
    var durations = false

    @Flag(name: .customShort("f"), help: "With -p, follow the process's new children too (a command's children are always followed).")
    var follow = false

    @Option(name: .customShort("s"), help: "Bytes of each buffer to show (strace -s; 1 to 64).")
    var stringLimit: Int = 32

    @Flag(help: "Print the records (with their strace lines) as JSON when tracing ends.")
    var json = false

    func validate() throws {
        try validateTarget(pid: pid)
        if !(1...64).contains(stringLimit) { throw ValidationError("-s must be between 1 and 64 (kpath records at most 64 bytes of a buffer), got \(stringLimit)") }
    }

    func run() throws {
        var exitStatus: Int32? = nil
        try reportingErrors {
            let filter = try SyscallFilter.parse(expr)
            if pid == nil && passthroughCommand.isEmpty {
                throw SessionError.badArgument("give -p PID or -- COMMAND (tracing every process system-wide is not useful here)")
            }
            Interrupt.install()
            var o = SyscallsSession.Options(filter: filter)
            o.pid = pid
            o.command = passthroughCommand
            o.followForks = follow
            o.accumulate = json
            // keep the JSON alone on stdout: the command's output goes to stderr
            if json { o.commandOutput = .file("/dev/stderr") }
            let session = try SyscallsSession(o)
            let options = Strace.Options(timestamp: timestamps, duration: durations, stringLimit: stringLimit)
            var stream = StraceStream(options: options, traced: pid ?? session.child?.pid)
            var closedOutput = false
            let emit: ([SyscallRecord]) -> Void = { records in
                guard !json, !records.isEmpty, !closedOutput else { return }
                var text = ""
                for r in records { text += stream.line(r) + "\n" }
                closedOutput = !out(text)
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
            } else if let c = session.child, let s = exitStatus, !closedOutput {
                _ = out(stream.exited(pid: c.pid, status: s) + "\n")
            }
            if let msg = StraceFormat.lostMessage(session.collector.lost) { eprint(msg) }
        }
        // Like strace: the traced command's exit status is ours.
        if let s = exitStatus, s != 0 { throw ExitCode(s) }
    }
}
