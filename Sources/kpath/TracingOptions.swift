import ArgumentParser
import Probes

/// The options funccount, stacks and trace share: whom to trace (-p PID, or
/// the command after `--`, which main.swift splits off before parsing), for
/// how long, and through which function backend.
struct TracingOptions: ParsableArguments {
    @Option(name: .shortAndLong, parsing: .unconditional, help: "Trace this process (tgid) only.")
    var pid: Int32?

    @Option(name: .shortAndLong, parsing: .unconditional, help: "Stop after SECONDS (default: until Ctrl-C, or until the command exits).")
    var duration: Double?

    @Option(help: "Attach backend for functions: kprobe-multi or kprobe, and fentry for funccount (default: the fastest available).")
    var backend: String?

    /// The traced command and its arguments (what followed `--`), or empty.
    var command: [String] { passthroughCommand }

    func validate() throws {
        try validateTarget(pid: pid)
        if let d = duration, !(d > 0) { throw ValidationError("-d/--duration must be a positive number of seconds, got \(d)") }
        _ = try parsedBackend()
    }

    /// --backend as a Backend; nil: the fastest available.
    func parsedBackend() throws -> Backend? { try parseBackend(backend) }
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
    @Option(help: "Attach backend: kprobe-multi, kprobe, fentry, or tracepoint (default: the fastest available).")
    var backend: String?

    @Flag(help: "Print one JSON document instead of text.")
    var json = false

    @Option(help: "Also write a self-contained HTML report to FILE.")
    var html: String?

    func validate() throws {
        _ = try parseBackend(backend)
        if let html { try checkWritable(html) }
    }
}
