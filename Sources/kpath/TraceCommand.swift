import ArgumentParser
import FoundationEssentials
import Probes
import Reports
import Sessions

struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Print each hit of kernel functions or tracepoints, with -K its kernel stack, like bcc's trace.",
        discussion: """
        TARGET is a kernel function (globs allowed; needs kprobes) or a tracepoint
        t:CATEGORY:EVENT. One line per hit: PID, TID, COMM, FUNC; with -K the
        kernel stack follows, one indented frame per line.

        Examples:
          kpath trace -K tcp_v4_connect \\
            -- kpath echo client --proto tcp --to 127.0.0.1:7777 --count 1
          kpath trace -K t:net:net_dev_queue \\
            -- kpath echo client --proto udp --to 127.0.0.1:7778
          kpath trace -K -M 5 -p 1234 ip4_datagram_connect
        """)

    @Flag(name: [.customShort("K"), .customLong("kernel-stack")], help: "Print the kernel stack of each hit.")
    var kernelStack = false

    @OptionGroup var tracing: TracingOptions

    @Option(name: [.customShort("M"), .customLong("max-events")], parsing: .unconditional, help: "Stop after N hits.")
    var maxEvents: Int?

    @Flag(inversion: .prefixedNo, help: "Show +0xOFFSET on frames.")
    var offsets = true

    @OptionGroup var probed: StackTargetOptions

    func validate() throws {
        if let m = maxEvents, m <= 0 { throw ValidationError("-M/--max-events must be a positive number, got \(m)") }
    }

    func run() throws {
        try reportingErrors {
            let session = try startStacks(probed, tracing, events: true)
            out(TraceReport.header + "\n")
            try session.releaseCommand()
            let started = Date()
            var printed = 0
            func emit(_ hits: [TraceHit]) -> Bool {
                for h in hits {
                    if let m = maxEvents, printed >= m { return true }
                    out(TraceReport.block(h, kernelStack: kernelStack, offsets: offsets))
                    printed += 1
                }
                return maxEvents.map { printed >= $0 } ?? false
            }
            while !Interrupt.requested {
                if emit(session.hits(timeoutMs: 100)) { break }
                if let d = tracing.duration, Date().timeIntervalSince(started) >= d { break }
                if let c = session.child, !c.isRunning {
                    _ = emit(session.drainHits())
                    break
                }
            }
            let losses = session.losses()
            for line in StackReport.lossLines(StackLosses(stacks: losses.stacks, counts: 0, events: losses.events, tracked: losses.tracked)) { eprint(line) }
            detach(session)
        }
    }
}
