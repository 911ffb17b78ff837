import FoundationEssentials
import Glibc
import Probes
import Workload

/// The tour's `kpath funccount`, `trace -K` and `graph` steps, run in-process
/// through the sessions those commands run (as TourSyscalls.swift does for
/// `kpath syscalls`): the step keeps their typed results (counts, hits, call
/// trees) and shows the command line a reader would type to see them.
extension TourSession {
    /// `kpath echo client` arguments for one dial to the tour's server.
    func client(_ proto: Proto, _ port: UInt16) -> [String] {
        ["echo", "client", "--proto", proto.rawValue, "--to", "127.0.0.1:\(port)", "--count", "1"]
    }

    /// `kpath funccount PATTERN -- kpath ARGS`: the article's rows and the hottest.
    func funccount(_ pattern: String, command args: [String], rows: Int = 8, timeout: Double = 180) throws -> TourCommandRun {
        var o = FunccountSession.Options(patterns: [pattern])
        o.command = [exe] + args
        o.commandOutput = .discard
        let s = try FunccountSession(o)
        defer { s.stop() }
        try s.releaseCommand()
        let status = try waitTraced(s.child, timeout: timeout) {}
        return TourCommandRun(display: display(["funccount", pattern, "--", exe] + args), exitStatus: status,
                              excerpt: .funccount(TourEvidence.funccountExcerpt(try s.counts(), rows)))
    }

    /// `kpath trace -K TARGET -- kpath ARGS`, or with `pid`, `-p PID` while
    /// `whileTracing` runs: the first hit through one of `through`. The line
    /// shown has `-M 1` when that hit is the first (what the command prints).
    func trace(_ target: String, command args: [String] = [], pid: Int32? = nil, through: [String],
               whileTracing: (() throws -> Void)? = nil, timeout: Double = 120) throws -> TourCommandRun {
        var o = StacksSession.Options(targets: [target])
        o.events = true
        o.pid = pid
        o.command = args.isEmpty ? [] : [exe] + args
        o.commandOutput = .discard
        let s = try StacksSession(o)
        defer { s.stop() }
        var hits: [TraceHit] = []
        var status: Int32 = 0
        try s.releaseCommand()
        if let c = s.child {
            status = try waitTraced(c, timeout: timeout) { hits += s.hits(timeoutMs: 100) }
            hits += s.drainHits()
        } else {
            try whileTracing?()
            // The hit is in the ring buffer once the dial is answered; wait a little for it.
            let start = Date()
            repeat {
                if Interrupt.requested { throw Cancelled() }
                hits += s.hits(timeoutMs: 100)
            } while !hits.contains(where: { TourEvidence.passes($0, through: through) }) && Date().timeIntervalSince(start) < 5
        }
        let pick = TourEvidence.firstHit(hits, through: through)
        let shown = ["trace", "-K"] + ((pick?.index ?? 0) == 0 ? ["-M", "1"] : []) + (pid.map { ["-d", "20", "-p", String($0)] } ?? [])
            + [target] + (args.isEmpty ? [] : ["--", exe] + args)
        return TourCommandRun(display: display(shown), exitStatus: status, excerpt: .hit(pick?.hit))
    }

    /// `kpath graph --syscall NAME --depth N -- kpath ARGS`: the first tree of
    /// that syscall (one dial: one syscall, so the command prints it unmerged).
    func graph(_ syscall: String, depth: Int, lines: Int, command args: [String], timeout: Double = 180) throws -> TourCommandRun {
        var o = GraphSession.Options()
        o.command = [exe] + args
        o.syscalls = [syscall]
        o.commandOutput = .discard
        let s = try GraphSession(o)
        try s.releaseCommand()
        let status: Int32
        do {
            status = try waitTraced(s.child, timeout: timeout) { s.poll(timeoutMs: 100) }
        } catch {
            _ = s.finish(merge: false)
            throw error
        }
        let r = s.finish(merge: false)
        return TourCommandRun(display: display(["graph", "--syscall", syscall, "--depth", String(depth), "--", exe] + args), exitStatus: status,
                              excerpt: .callTree(TourEvidence.firstTree(r.trees, syscall: syscall), depth: depth, lines: lines))
    }

    /// Waits for the traced command, calling `poll` (which reads records) in
    /// between; Ctrl-C and the timeout end it. Its exit status.
    func waitTraced(_ child: HeldProcess?, timeout: Double, poll: () -> Void) throws -> Int32 {
        guard let c = child else { return 0 }
        let start = Date()
        while c.isRunning {
            if Interrupt.requested { c.terminate(signal: SIGINT); _ = c.wait(); throw Cancelled() }
            if Date().timeIntervalSince(start) > timeout {
                c.terminate(signal: SIGKILL); _ = c.wait()
                throw SessionError.badArgument("\(display([c.executable] + c.arguments)) did not finish within \(Int(timeout)) s")
            }
            poll()
            usleep(10_000)
        }
        return c.wait()
    }
}
