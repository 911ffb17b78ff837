import ArgumentParser
import Probes

/// Whom every tracing command traces: -p PID, or the command after `--`
/// (which main.swift splits off before parsing).
struct TargetOptions: ParsableArguments {
    @Option(name: .shortAndLong, parsing: .unconditional, help: "Trace this process (tgid) only.")
    var pid: Int32?

    /// The traced command and its arguments (what followed `--`), or empty.
    var command: [String] { passthroughCommand }

    func validate() throws {
        if let p = pid, p <= 0 { throw ValidationError("-p/--pid must be a positive process id, got \(p)") }
        if pid != nil && !command.isEmpty { throw ValidationError("use either -p PID or -- COMMAND, not both") }
    }
}

/// The options funccount, stacks, trace and graph share: whom to trace, for
/// how long, and through which function backend.
struct TracingOptions: ParsableArguments {
    @OptionGroup var target: TargetOptions

    @Option(name: .shortAndLong, parsing: .unconditional, help: "Stop after SECONDS (default: until Ctrl-C, or until the command exits).")
    var duration: Double?

    @Option(help: "Attach backend for functions: kprobe-multi or kprobe, and fentry for funccount (default: the fastest available).",
            completion: .list(Backend.allValueStrings), transform: { try Backend.argument($0) })
    var backend: Backend?

    var pid: Int32? { target.pid }
    var command: [String] { target.command }

    func validate() throws {
        if let d = duration, !(d > 0) { throw ValidationError("-d/--duration must be a positive number of seconds, got \(d)") }
    }
}

/// What stacks and trace probe, and whether the probing glue stays on stacks.
struct StackTargetOptions: ParsableArguments {
    @Flag(help: "Keep the tracing machinery's own frames on top of each stack.")
    var keepGlue = false

    @Argument(help: "Kernel functions (globs allowed) or tracepoints t:CATEGORY:EVENT.")
    var targets: [String] = []

    func validate() throws {
        if targets.isEmpty { throw ValidationError("give at least one target: a kernel function (tcp_v4_connect) or a tracepoint (t:net:net_dev_queue)") }
    }
}

/// What compare and tour share: the backend of the compare run, and the
/// report forms besides text.
struct CompareRunOptions: ParsableArguments {
    @Option(help: "Attach backend: kprobe-multi, kprobe, fentry, or tracepoint (default: the fastest available).",
            completion: .list(Backend.allValueStrings), transform: { try Backend.argument($0) })
    var backend: Backend?

    @OptionGroup var forms: ReportForms

    var json: Bool { forms.json }
    var html: String? { forms.html }
}

/// The report forms besides text, as compare, tour and diff take them.
struct ReportForms: ParsableArguments {
    @Flag(help: "Print one JSON document instead of text.")
    var json = false

    @Option(help: "Also write a self-contained HTML report to FILE.")
    var html: String?

    func validate() throws {
        if let html { try checkWritable(html) }
    }
}
