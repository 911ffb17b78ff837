import ArgumentParser
import FoundationEssentials
import KernelInfo
import Probes
import Reports
import Sessions

struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Call trees of each syscall, with time and return values (ftrace function_graph for one program).",
        discussion: """
        Without PATTERN, the socket path of a dial (__sys_*, sock, inet, tcp, udp,
        ip, the device and loopback receive; docs/graph.md lists it).
        Examples:
          kpath graph --syscall connect -- \\
            kpath echo client --proto tcp --to 127.0.0.1:7777
          kpath graph --depth 3 --min-time 5us -- \\
            kpath echo client --proto tcp --count 20 --to 127.0.0.1:7777
          kpath graph -p 1234 -d 5 'tcp_*,ip_*'
        """)

    @OptionGroup var tracing: TracingOptions

    @OptionGroup var tasks: TaskFilterOptions

    @Option(help: "Root trees at these syscalls only (comma-separated names, e.g. connect,sendto).")
    var syscall: String?

    @Option(help: "Show N levels of calls below each syscall; deeper calls are counted, not shown.")
    var depth: Int?

    @Option(name: .customLong("min-time"), help: "Hide calls shorter than DUR (the median when merged): 5us, 1.5ms, 200ns.")
    var minTime: String?

    @Flag(inversion: .prefixedNo, help: "Merge repeated syscalls into one tree with calls per syscall, median and p90 (default: when a syscall repeats).")
    var merge: Bool?

    @Flag(name: .shortAndLong, help: "Patterns are POSIX extended regular expressions.")
    var regexp = false

    @Flag(help: "Print the trees as JSON.")
    var json = false

    @Argument(help: "Function patterns (globs like tcp_*, several or comma-separated); default: the socket path.")
    var patterns: [String] = []

    func validate() throws {
        if let d = depth, d < 1 { throw ValidationError("--depth must be a positive number of levels, got \(d)") }
        if let m = minTime, Self.parseDuration(m) == nil {
            throw ValidationError("--min-time \"\(m)\" is not a duration; write it like 5us, 1.5ms, 200ns or 1s")
        }
        if let b = tracing.backend, !ProbeNeeds.returns.fits(b) {
            throw ValidationError("kpath graph records returns through kprobes: use --backend kprobe-multi or kprobe, or omit it")
        }
        if let s = syscall, s.split(separator: ",").isEmpty { throw ValidationError("--syscall needs syscall names, e.g. connect,sendto") }
        if !patterns.isEmpty {
            do {
                let parsed = try FunctionPatterns.parse(patterns, regex: regexp)
                if regexp { for p in parsed { _ = try RegexPattern(p) } }
            } catch { throw ValidationError("\(error)") }
        }
    }

    /// `5us`, `1.5ms`, `200ns`, `1s` (a bare number is microseconds, ftrace's unit) in ns.
    static func parseDuration(_ s: String) -> UInt64? {
        let units: [(String, Double)] = [("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9)]
        for (u, mult) in units where s.hasSuffix(u) {
            guard let v = Double(s.dropLast(u.count)), v >= 0, v.isFinite else { return nil }
            return UInt64(v * mult)
        }
        guard let v = Double(s), v >= 0, v.isFinite else { return nil }
        return UInt64(v * 1e3)
    }

    func run() throws {
        try reportingErrors {
            Interrupt.install()
            var o = GraphSession.Options()
            o.patterns = patterns
            o.regex = regexp
            o.pid = tracing.pid
            o.tasks = tasks.filter()
            o.command = tracing.command
            o.backend = tracing.backend
            o.syscalls = syscall.map { $0.split(separator: ",").map { String($0).trimmed() } }
            // The command's own output goes to stderr with --json, away from the JSON (as syscalls does).
            if json { o.commandOutput = .file("/dev/stderr") }
            let session = try GraphSession(o)
            let r = session.recorder.report
            let what = patterns.isEmpty ? "the socket path (default patterns)" : "\"\(session.patterns.joined(separator: ","))\""
            eprint("Tracing calls of \(r.attachedCount) functions for \(what)... Hit Ctrl-C to end.")
            eprintSkipped(r)
            try session.releaseCommand()
            let started = Date()
            while !Interrupt.requested {
                session.poll(timeoutMs: 100)
                if let c = session.child, !c.isRunning { _ = c.wait(); break }
                if let d = tracing.duration, Date().timeIntervalSince(started) >= d { break }
            }
            let result = session.finish(merge: merge)
            if json {
                out(try JSONReport.document(result))
            } else {
                if Interrupt.requested { out("\n") }
                out(GraphReport.render(result, pruning: .init(depth: depth, minTimeNs: minTime.flatMap(Self.parseDuration))))
            }
            eprint(GraphReport.summary(result))
            for line in StackReport.lossLines(result.lost) { eprint(line) }
        }
    }
}
