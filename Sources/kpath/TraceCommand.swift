import ArgumentParser
import FoundationEssentials
import Glibc
import KernelInfo
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

    // bcc trace's letters: -t seconds since the start, -T the time of day, -n COMM, -L TID.
    @Flag(name: [.customShort("t"), .customLong("timestamp")], help: "Print a TIME column: seconds since tracing started (bcc trace -t).")
    var relativeTime = false

    @Flag(name: [.customShort("T"), .customLong("time")], help: "Print a TIME column: HH:MM:SS of each hit (bcc trace -T).")
    var clockTime = false

    @Option(name: [.customShort("n"), .customLong("name")], help: "Only hits of processes whose name (comm) contains NAME (bcc trace -n).")
    var name: String?

    @Option(name: .customShort("L"), parsing: .unconditional, help: "Only hits of this thread (bcc trace -L; the same as --tid).")
    var tid: Int32?

    @Flag(help: "Print NDJSON: a start line, one line per hit as it comes (its stack with -K), an end line.")
    var json = false
    @OptionGroup var tasks: TaskFilterOptions

    @Flag(inversion: .prefixedNo, help: "Show +0xOFFSET on frames.")
    var offsets = true

    @OptionGroup var probed: StackTargetOptions

    func validate() throws {
        if let m = maxEvents, m <= 0 { throw ValidationError("-M/--max-events must be a positive number, got \(m)") }
        if let t = tid, t <= 0 { throw ValidationError("-L must be a positive thread id, got \(t)") }
        if tid != nil && tasks.tid != nil { throw ValidationError("-L and --tid are the same (one thread); give one") }
        if let n = name, n.isEmpty { throw ValidationError("-n/--name needs a process name (or part of one)") }
        if relativeTime && clockTime { throw ValidationError("use either -t (seconds since the start) or -T (time of day), not both") }
    }

    func run() throws {
        try reportingErrors {
            // -L/--tid and --comm are filtered in the kernel; -n (a part of the name, as bcc's) here.
            let session = try startStacks(probed, tracing, tasks.filter(tid: tid), events: true)
            let timed = relativeTime || clockTime
            if json {
                out(try StreamJSON.traceStart(kernel: session.features.release, backend: session.collector.backend,
                                              targets: session.targets.map(\.name), attached: session.attachedCount))
            } else {
                out((timed ? "TIME     " : "") + TraceReport.header + "\n")
            }
            var mono = timespec(), real = timespec()
            clock_gettime(CLOCK_MONOTONIC, &mono)
            clock_gettime(CLOCK_REALTIME, &real)
            let startNs = UInt64(mono.tv_sec) * 1_000_000_000 + UInt64(mono.tv_nsec)
            let wallOffset = Double(real.tv_sec - mono.tv_sec) + Double(real.tv_nsec - mono.tv_nsec) / 1e9
            func time(_ h: TraceHit) -> String {
                if relativeTime { return cFormat("%-8.3f ", h.ns >= startNs ? Double(h.ns - startNs) / 1e9 : 0) }
                return StraceFormat.clock(Double(h.ns) / 1e9 + wallOffset).prefix(8) + " "
            }
            try session.releaseCommand()
            let started = Date()
            var printed = 0
            func emit(_ hits: [TraceHit]) -> Bool {
                for h in hits {
                    if let m = maxEvents, printed >= m { return true }
                    if let n = name, !h.comm.contains(n) { continue }
                    if json {
                        var h = h
                        if !kernelStack { h.frames = []; h.addresses = [] }
                        out((try? StreamJSON.hit(h)) ?? "")
                    } else {
                        out((timed ? time(h) : "") + TraceReport.block(h, kernelStack: kernelStack, offsets: offsets))
                    }
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
            if json { out(try StreamJSON.traceEnd(hits: printed, lost: losses)) }
            for line in StackReport.lossLines(StackLosses(stacks: losses.stacks, counts: 0, events: losses.events, tracked: losses.tracked)) { eprint(line) }
            detach(session)
        }
    }
}
