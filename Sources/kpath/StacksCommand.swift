import ArgumentParser
import FoundationEssentials
import Probes
import Reports
import Sessions

struct StacksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stacks",
        abstract: "Count the kernel stacks that reach functions or tracepoints, like bcc's stackcount.",
        discussion: """
        TARGET is a kernel function (globs allowed: 'tcp_*'; needs kprobes) or a
        tracepoint t:CATEGORY:EVENT (works on kernels without kprobes).

        Examples:
          kpath stacks t:net:net_dev_queue \\
            -- kpath echo client --proto tcp --to 127.0.0.1:7777
          kpath stacks -d 5 --limit 10 __tcp_transmit_skb
          kpath stacks --folded t:net:net_dev_queue -- CMD > out.folded
          kpath stacks --svg tx.svg 'ip_*' \\
            -- kpath echo client --proto udp --to 127.0.0.1:7778

        Stacks print most frequent first (bcc's stackcount prints ascending);
        --limit N keeps the N most frequent. -i SECONDS prints and clears the
        stacks every interval, each table after a blank line and its HH:MM:SS
        (folded lines: no header). -P keys stacks by process (PID and COMM).
        """)

    @OptionGroup var tracing: TracingOptions

    @OptionGroup var filter: TaskFilterOptions

    @Option(name: [.customShort("i"), .customLong("interval")], parsing: .unconditional, help: "Print the stacks every SECONDS and clear them (stackcount -i).")
    var interval: Double?

    @Option(name: [.customShort("c"), .customLong("cpu")], parsing: .unconditional, help: "Count stacks on this CPU only (stackcount -c).")
    var cpu: Int?

    @Option(parsing: .unconditional, help: "Print only the N most frequent stacks.")
    var limit: Int?

    @Flag(name: .shortAndLong, help: "Print folded lines (comm;outermost;...;innermost count) for flamegraph.pl, inferno or speedscope.")
    var folded = false

    @Option(parsing: .unconditional, help: ArgumentHelp("Write a flame graph (SVG) to FILE.", valueName: "FILE"))
    var svg: String?

    @Flag(inversion: .prefixedNo, help: "Show +0xOFFSET on frames (default: on, except in --folded and --svg).")
    var offsets: Bool?

    @Flag(name: [.customShort("P"), .customLong("per-pid")], help: "Show stacks separately for each process.")
    var perPID = false

    // bcc stackcount's letter for the duration (its -d is the delimiter; kpath's -d stays the duration).
    @Option(name: .customShort("D"), parsing: .unconditional, help: "Stop after SECONDS (stackcount -D; the same as -d).")
    var durationD: Double?

    @Flag(help: "Print the stacks as JSON (every task, phase and context apart).")
    var json = false

    @OptionGroup var probed: StackTargetOptions

    func validate() throws {
        if let l = limit, l <= 0 { throw ValidationError("--limit must be a positive number of stacks, got \(l)") }
        if folded && json { throw ValidationError("use either --folded or --json, not both") }
        if let d = durationD, !(d > 0) { throw ValidationError("-D must be a positive number of seconds, got \(d)") }
        if durationD != nil && tracing.duration != nil { throw ValidationError("-D and -d are the same (the duration); give one") }
        if let i = interval, !(i > 0) { throw ValidationError("-i/--interval must be a positive number of seconds, got \(i)") }
        if interval != nil && (json || svg != nil) { throw ValidationError("-i prints text (or --folded) every interval; --json and --svg take the whole run: drop -i") }
        try validateCPU(cpu)
    }

    func run() throws {
        try reportingErrors {
            // An unwritable --svg is found before anything is traced.
            if let path = svg { try AtomicFile.checkWritable(path) }
            let session = try startStacks(probed, tracing, filter.filter(cpu: cpu), events: false)
            try session.releaseCommand()
            let perProcess = perPID || tracing.pid != nil
            if let interval {
                try printIntervals(session, every: interval, perProcess: perProcess)
                detach(session)
                return
            }
            waitUntil(durationD ?? tracing.duration, stop: { session.child.map { !$0.isRunning } ?? false })
            if Interrupt.requested && !json && !folded { out("\n") }
            let stacks = try session.stacks()
            let losses = session.losses()
            if json {
                out(try JSONReport.document(session.result()))
            } else {
                let merged = stacks.merged(offsets: offsets ?? !folded, perProcess: perProcess)
                out(folded ? StackReport.folded(merged, limit: limit) : StackReport.multiline(merged, limit: limit))
                if let l = limit, merged.count > l {
                    eprint("kpath: showing the \(l) most frequent of \(merged.count) stacks (--limit)")
                }
            }
            if let path = svg {
                let merged = stacks.merged(offsets: offsets ?? false, perProcess: perProcess)
                let folded = FoldedStacks(Array(merged.prefix(limit ?? merged.count)))
                let title = "kpath stacks " + probed.targets.joined(separator: " ")
                try AtomicFile.write(FlameGraph.svg(folded: folded, title: title), to: path)
                eprint("kpath: wrote \(path) (\(folded.lines.count) stacks, \(folded.total) samples)")
            }
            for line in StackReport.lossLines(losses) { eprint(line) }
            detach(session)
        }
    }
}

/// stacks and trace: checks the targets, attaches, and says what is traced
/// on stderr (the command is still held: release it once ready to read).
func startStacks(_ probed: StackTargetOptions, _ tracing: TracingOptions, _ filter: TaskFilter, events: Bool) throws -> StacksSession {
    _ = try TraceTargets.parse(probed.targets)
    Interrupt.install()
    var o = StacksSession.Options(targets: probed.targets)
    o.pid = tracing.pid
    o.command = tracing.command
    o.backend = tracing.backend
    o.events = events
    o.filter = filter
    o.keepGlue = probed.keepGlue
    let session = try StacksSession(o)
    eprint(StackReport.tracingLine(targets: session.targets, attached: session.attachedCount, specs: probed.targets))
    if let r = session.collector.functionReport { eprintSkipped(r) }
    return session
}

/// Detaches, and ends a command still running (stopped by -d or Ctrl-C).
func detach(_ session: StacksSession) {
    eprint("Detaching...")
    session.stop()
    if let c = session.child, c.isRunning { c.terminate(); _ = c.wait() }
}
