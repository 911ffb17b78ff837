import FoundationEssentials
import Glibc
import Probes
import Workload

/// One compare column's held programs, once they have ended: a protocol's
/// echo client and server, or a --run command's runs.
struct HeldRun {
    var clientPID: Int32
    var serverPID: Int32 = 0
    var clientExit: Int32
    var clientOutput: [String]
}

/// What the probes hold of one column, read once its programs have ended.
struct ColumnReadout {
    /// The column's syscall records, in order.
    var records: [SyscallRecord]
    var stacks: [StackSample]
    var packets: [DialPacket]
}

extension CompareSession {
    /// The step every column takes, a protocol's dials or a command's runs:
    /// the probes emptied (function counts, packets, stacks, syscall records)
    /// and the packet filter set (`port`; 0 with `trackedOnly`: what tracked
    /// tasks send), the held programs run (`run`), the last records let in,
    /// `roles`' function calls counted per phase, and the column's records,
    /// stacks and packets read (`read`, given the moment the probes were
    /// emptied) into its ProtocolRun. Returns it with all its syscall records.
    func collectColumn(_ proto: Proto, port: UInt16 = 0, trackedOnly: Bool, roles: [Role], name: String? = nil, argv: [String]? = nil,
                       since t0: Date, counter: FunctionCounter?, packets: PacketRecorder, probes: CompareProbes,
                       run: () throws -> HeldRun, read: (_ start: UInt64) -> ColumnReadout) throws -> (ProtocolRun, [SyscallRecord]) {
        try counter?.reset()
        packets.drain(); packets.clear()
        try packets.setPort(port, trackedOnly: trackedOnly)
        try probes.stacks?.clearCounts()
        probes.drain(); probes.syscalls.clear()
        let start = monotonicNs()
        let held = try run()
        usleep(20_000)
        packets.drain()
        probes.drain()
        let phases = try counter.map { try phaseCounts($0, roles: roles) } ?? []
        let r = read(start)
        let column = ProtocolRun(proto: proto, dials: options.count, serverPort: port, clientPID: held.clientPID, serverPID: held.serverPID,
                                 clientExit: held.clientExit, functionsAttached: counter?.report.attachedCount ?? 0,
                                 functionsSkipped: counter?.report.skipped.count ?? 0, phases: phases,
                                 functionsOnStacks: mode == .tracepoints ? functionsOnStacks(r.stacks) : [],
                                 packets: r.packets, stacks: r.stacks, syscalls: r.records.prefix(600).map { .record($0) },
                                 syscallNames: r.records.map(\.name), clientOutput: held.clientOutput,
                                 seconds: Date().timeIntervalSince(t0), name: name, argv: argv)
        return (column, r.records)
    }

    /// Function calls per phase, summed over `roles`, hottest first.
    func phaseCounts(_ counter: FunctionCounter, roles: [Role]) throws -> [PhaseFunctions] {
        let hits = try counter.hits()
        return Phase.allCases.map { phase in
            var fh: [FunctionHits] = []
            for (i, f) in counter.functions.enumerated() {
                var calls: UInt64 = 0, irq: UInt64 = 0
                for r in roles {
                    calls += hits[i].count(role: r, phase: phase, irq: false) + hits[i].count(role: r, phase: phase, irq: true)
                    irq += hits[i].count(role: r, phase: phase, irq: true)
                }
                if calls > 0 { fh.append(FunctionHits(function: f, calls: calls, perDial: Double(calls) / Double(options.count), inInterrupt: irq)) }
            }
            fh.sort { ($0.calls, $1.function) > ($1.calls, $0.function) }
            return PhaseFunctions(phase: phase, functions: fh)
        }
    }
}
