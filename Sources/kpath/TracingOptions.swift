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
