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
        """)

    @OptionGroup var tracing: TracingOptions

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

    @Argument(help: "Function patterns: globs like tcp_*, or p::FUNC / kprobe:FUNC as stacks and trace take them (several, or comma-separated).")
    var patterns: [String] = []

    func validate() throws {
        if patterns.isEmpty { throw ValidationError("give at least one function pattern, e.g. 'tcp_*'") }
        if let i = interval, !(i > 0) { throw ValidationError("-i/--interval must be a positive number of seconds, got \(i)") }
        // A bad pattern or regex is a mistake in the command line: say so before looking at the kernel.
        do {
            let parsed = try FunctionPatterns.parse(patterns, regex: regexp)
            if regexp { for p in parsed { _ = try RegexPattern(p) } }
        } catch { throw ValidationError("\(error)") }
    }

    func run() throws {
        try reportingErrors {
            if list {
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
            var o = FunccountSession.Options(patterns: patterns)
            o.regex = regexp
            o.pid = tracing.pid
            o.command = tracing.command
            o.backend = try tracing.parsedBackend()
            let session = try FunccountSession(o)
            Timing.mark("tracing")
            let r = session.counter.report
            eprint("Tracing \(r.attachedCount) functions for \"\(session.patterns.joined(separator: ","))\"... Hit Ctrl-C to end.")
            eprintSkipped(r)
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
                    // -i --json: one NDJSON line per interval (docs/json.md).
                    if json { out(try JSONReport.line("interval", session.result())) } else {
                        if finished && Interrupt.requested { out("\n") }
                        printTable(try session.counts())
                    }
                    try session.counter.reset()
                }
                if finished { break }
            }
            if json && interval == nil {
                out(try JSONReport.document(session.result()))
            } else if interval == nil {
                if Interrupt.requested { out("\n") }
                printTable(try session.counts())
            }
            for line in StackReport.lossLines(session.tracker.losses()) { eprint(line) }
            eprint("Detaching...")
            let detach = session.stop()
            if ProcessInfo.processInfo.environment["KPATH_TIMING"] != nil {
                eprint("kpath: timing: backend \(r.backend.rawValue) " + cFormat("attach %.3f s (%ld functions, %ld links), detach %.3f s",
                              r.seconds, r.attachedCount, r.links, detach))
            }
        }
    }

    private func printTable(_ counts: [FunctionCount]) {
        if timestamp { out(clockTime() + "\n") }
        out(FunccountTable.render(counts))
    }
}
