import ArgumentParser
import FoundationEssentials
import KernelInfo
import Probes
import Reports
import Sessions

struct FunccountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "funccount",
        abstract: "Count kernel function calls, like bcc's funccount.",
        discussion: """
        Examples:
          kpath funccount 'tcp_*'                      # until Ctrl-C
          kpath funccount -d 5 'tcp_*,udp_*'           # 5 seconds
          kpath funccount -p 1234 -i 1 'ip_*'          # one process, every second
          kpath funccount 'udp_*' -- kpath echo client --proto udp --to 127.0.0.1:7777
          kpath funccount -i 1 't:net:*'               # tracepoints, as bcc
          kpath funccount --comm curl 't:syscalls:sys_enter_*'

        With -i every table starts with its HH:MM:SS (bcc prints it with -T only).
        Function patterns and tracepoints (t:CATEGORY:EVENT) are counted by
        different programs: give one kind per run.
        """)

    @OptionGroup var tracing: TracingOptions

    @OptionGroup var filter: TaskFilterOptions

    @Option(name: [.customShort("c"), .customLong("cpu")], parsing: .unconditional, help: "Count hits on this CPU only (bcc funccount -c).")
    var cpu: Int?

    @Option(name: .shortAndLong, parsing: .unconditional, help: "Print counts every SECONDS (and reset them).")
    var interval: Double?

    @Flag(name: .shortAndLong, help: "Patterns are POSIX extended regular expressions.")
    var regexp = false

    // -T is bcc funccount's letter; -t stays (kpath's first one).
    @Flag(name: [.customShort("T"), .customShort("t"), .long], help: "Print a HH:MM:SS timestamp with each table (-T as in bcc; -t too).")
    var timestamp = false

    @Flag(help: "Print the counts as JSON.")
    var json = false

    @Flag(help: "List the matching functions and exit (attach nothing).")
    var list = false

    @Argument(help: "Function patterns: globs like tcp_*, or p::FUNC / kprobe:FUNC as stacks and trace take them; or tracepoints t:CATEGORY:EVENT (globs allowed: 't:net:*'). Several, or comma-separated.")
    var patterns: [String] = []

    /// The patterns are tracepoints (t:cat:event); nil when they are functions.
    /// Mixed: a usage error (two programs, two tables: run two funccounts).
    func tracepointPatterns() throws -> [String]? {
        if regexp { return nil }
        let raw = splitPatterns(patterns)
        let tps = raw.filter { p in (try? TargetSpec.parse(p))?.isTracepoint ?? false }
        if tps.isEmpty { return nil }
        if tps.count != raw.count {
            throw ValidationError("give either kernel function patterns or tracepoints (t:CATEGORY:EVENT), not both; run one funccount for each")
        }
        return raw
    }

    func validate() throws {
        if patterns.isEmpty { throw ValidationError("give at least one function pattern, e.g. 'tcp_*'") }
        if let i = interval, !(i > 0) { throw ValidationError("-i/--interval must be a positive number of seconds, got \(i)") }
        try validateCPU(cpu)
        // A bad pattern or regex is a mistake in the command line: say so before looking at the kernel.
        do {
            if let tps = try tracepointPatterns() {
                for p in tps { _ = try TargetSpec.parse(p) }
                if tracing.backend != nil { throw ValidationError("--backend chooses how functions are probed; tracepoints have one way") }
                return
            }
            let parsed = try FunctionPatterns.parse(patterns, regex: regexp)
            if regexp { for p in parsed { _ = try RegexPattern(p) } }
        } catch let e as ValidationError {
            throw e
        } catch { throw ValidationError("\(error)") }
    }

    func run() throws {
        try reportingErrors {
            let tracepoints = try tracepointPatterns()
            if list {
                if let tracepoints {
                    out(try TracepointCountSession.resolve(tracepoints).map(\.name).joined(separator: "\n") + "\n")
                    return
                }
                let t0 = Date()
                // kallsyms is read only where available_filter_functions is not.
                let fns = try FunctionCatalog.matching(try FunctionPatterns.parse(patterns, regex: regexp), regex: regexp)
                if ProcessInfo.processInfo.environment["KPATH_TIMING"] != nil {
                    eprint(cFormat("kpath: timing: catalog and match %.1f ms", Date().timeIntervalSince(t0) * 1000))
                }
                out(json ? try JSONReport.document(FunctionList(patterns: patterns, regex: regexp, functions: fns))
                         : fns.joined(separator: "\n") + "\n")
                return
            }
            Interrupt.install()
            let session: CountingSession
            var report: AttachReport? = nil
            if let tracepoints {
                var o = TracepointCountSession.Options(patterns: tracepoints)
                o.pid = tracing.pid
                o.command = tracing.command
                o.filter = filter.filter(cpu: cpu)
                session = try TracepointCountSession(o)
            } else {
                var o = FunccountSession.Options(patterns: patterns)
                o.regex = regexp
                o.pid = tracing.pid
                o.command = tracing.command
                o.backend = tracing.backend
                o.filter = filter.filter(cpu: cpu)
                let s = try FunccountSession(o)
                report = s.counter.report
                session = s
            }
            Timing.mark("tracing")
            eprint(session.tracingLine)
            if let r = report { eprintSkipped(r) }
            for line in session.skippedLines { eprint(line) }
            try session.releaseCommand()
            let started = Date()
            var childExit: Int32? = nil
            let childDone: () -> Bool = {
                guard let c = session.child else { return false }
                if !c.isRunning { childExit = c.wait(); return true }
                return false
            }
            while true {
                let left = tracing.duration.map { $0 - Date().timeIntervalSince(started) }
                waitUntil([interval, left].compactMap { $0 }.min(), stop: childDone)
                let finished = Interrupt.requested || childExit != nil
                    || (tracing.duration.map { Date().timeIntervalSince(started) >= $0 } ?? false)
                if interval != nil {
                    // -i --json: one NDJSON line per interval (docs/json.md);
                    // text as bcc: a blank line, then the interval's time, then its table.
                    if json { out(try JSONReport.line("interval", session.result())) } else {
                        out("\n" + clockTime() + "\n")
                        printTable(try session.counts())
                    }
                    try session.reset()
                }
                if finished { break }
            }
            if json && interval == nil {
                out(try JSONReport.document(session.result()))
            } else if interval == nil {
                if Interrupt.requested { out("\n") }
                printTable(try session.counts())
            }
            for line in StackReport.lossLines(session.losses()) { eprint(line) }
            eprint("Detaching...")
            let detach = session.stop()
            if let r = report, ProcessInfo.processInfo.environment["KPATH_TIMING"] != nil {
                eprint("kpath: timing: backend \(r.backend.rawValue) " + cFormat("attach %.3f s (%ld functions, %ld links), detach %.3f s",
                              r.seconds, r.attachedCount, r.links, detach))
            }
        }
    }

    private func printTable(_ counts: [FunctionCount]) {
        if timestamp && interval == nil { out(clockTime() + "\n") }
        out(FunccountTable.render(counts))
    }
}
