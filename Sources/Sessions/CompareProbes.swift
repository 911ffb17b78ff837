import KernelInfo
import Probes

/// The stack and syscall probes a compare run shares across protocols. Each
/// protocol's processes have their own PIDs, so one attachment serves both
/// runs and results are told apart by PID.
final class CompareProbes {
    let mode: CompareMode
    let kallsyms: Kallsyms
    let stacks: StackCollector?
    let syscalls: SyscallCollector

    init(mode: CompareMode, backend: Backend, tracker: Tracker, kallsyms: Kallsyms, catalog: FunctionCatalog?) throws {
        self.mode = mode
        self.kallsyms = kallsyms
        var targets: [TraceTarget] = []
        var stackBackend: Backend? = nil
        if mode == .functions, let catalog {
            let features = KernelFeatures.detect()
            // The counter's backend where the stack program has it (not fentry), else the fastest that does.
            stackBackend = try? Backend.choose(forced: ProbeNeeds.stacks.fits(backend) ? backend : nil, for: .stacks, features: features)
            if stackBackend != nil {
                let have = Set(catalog.functions)
                let kernel = KernelLine(release: features.release)
                targets = CompareSession.stackFunctions(have: have, kernel: kernel).map { TraceTarget.function($0) }
            }
        }
        for (c, e) in CompareSession.stackTracepoints where Tracefs.tracepointExists(category: c, event: e) {
            targets.append(.tracepoint(category: c, event: e))
        }
        stacks = targets.isEmpty ? nil : try StackCollector(targets: targets, backend: stackBackend ?? .tracepoint, tracker: tracker)
        syscalls = try SyscallCollector(tracker: tracker, filter: .everything)
    }

    func drain() { _ = syscalls.drain() }
    func detach() { _ = syscalls.stop() }

    /// Stacks of the two processes of one protocol run, symbolized, most frequent first.
    func samples(clientPID: Int32, serverPID: Int32) -> [StackSample] {
        guard let stacks, let raw = try? stacks.samples() else { return [] }
        // The tracing machinery's own frames (perf glue, call_trace_sock_*) are not the path.
        let symbolizer = StackSymbolizer(kallsyms: kallsyms, targets: stacks.targets)
        var out: [StackSample] = []
        for s in raw {
            let role: Role
            if s.tgid == UInt32(clientPID) { role = .client } else if s.tgid == UInt32(serverPID) { role = .server } else { continue }
            let addrs = symbolizer.trimmed(s.addresses)
            out.append(StackSample(target: stacks.targets[s.target].name, role: role, phase: s.phase,
                                   inInterrupt: s.softirq, count: s.count, firstNs: s.firstNs,
                                   frames: addrs.map { kallsyms.symbolize($0) },
                                   functions: addrs.map { kallsyms.name($0) ?? "?" }))
        }
        return out.sorted { ($0.firstNs, $0.target) < ($1.firstNs, $1.target) }
    }

    static let phaseOf = Dictionary(Tracker.phaseOfSyscall.map { ($0.0, Phase(rawValue: Int($0.1.rawValue)) ?? .other) },
                                    uniquingKeysWith: { a, _ in a })

    /// One process's syscalls, in order: records, names, and the finished
    /// calls as time intervals with their phase (to place packets in).
    func syscalls(pid: Int32) -> (records: [SyscallRecord], names: [String],
                                  intervals: [PacketPlacement.Call]) {
        _ = syscalls.drain()
        let recs = syscalls.records(pids: [pid]).sorted { $0.enterNs < $1.enterNs }
        let intervals = recs.filter { $0.exitNs > 0 }
            .map { ($0.enterNs, $0.exitNs, Self.phaseOf[$0.name] ?? .other) }
        return (recs, recs.map(\.name), intervals)
    }
}
