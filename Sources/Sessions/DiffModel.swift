import Probes
/// The plain values `kpath diff` produces: how the kernel path changed from
/// result A to result B. What the reports render and `--json` carries.

/// What the numbers are: calls per dial (compare) or calls in all (funccount).
public enum DiffUnit: String, Codable, Sendable {
    case perDial = "per-dial"
    case calls
}

/// When a count has changed: A and B differ by more than `absolute` and by
/// more than `relative` of the larger. Small per-dial counts wobble from run
/// to run (a timer, a retransmit); both bounds keep that out.
public struct Noise: Codable, Sendable, Equatable {
    public var absolute: Double
    public var relative: Double
    public init(absolute: Double, relative: Double) { self.absolute = absolute; self.relative = relative }

    public static let perDial = Noise(absolute: 0.5, relative: 0.2)
    /// funccount totals: a difference of a single call is no news either.
    public static let calls = Noise(absolute: 1, relative: 0.2)

    public func changed(_ a: Double, _ b: Double) -> Bool {
        let d = abs(b - a)
        return d > absolute && d > relative * max(abs(a), abs(b))
    }
}

/// One side's header: where the result came from.
public struct DiffSide: Codable, Sendable {
    public var file: String
    public var kernel: String
    public var backend: Backend
    /// compare only.
    public var mode: CompareMode?
    public var dials: Int?
    public var side: CompareSession.Side?
    public var command: String?
    /// compare: which matched functions were attached (nil in results saved before it was recorded: all).
    public var functionSet: CompareFunctionSet? = nil
}

public struct FunctionValue: Codable, Sendable, Equatable {
    public var function: String
    public var value: Double
    public init(function: String, value: Double) { self.function = function; self.value = value }
}

/// Why two names are taken for one function.
public enum RenameKind: String, Codable, Sendable {
    /// KernelNames' table gives both names to one FunctionRole.
    case role
    /// The same function as a compiler clone: ip_rcv_finish_core.constprop.0 vs ip_rcv_finish_core.
    case compilerClone = "compiler-clone"
}

/// Functions in A and B that do the same work under other names
/// (ip4_datagram_connect on 6.x, udp_connect and __ip4_datagram_connect on 7.3).
public struct Rename: Codable, Sendable {
    public var kind: RenameKind
    /// For `.role`.
    public var role: FunctionRole?
    public var a: [FunctionValue]
    public var b: [FunctionValue]
}

/// A function that ran under another syscall in B than in A (on 6.1 TCP's
/// FIN is sent from task_work after close(2) returned: no-syscall; later inside close).
public struct Move: Codable, Sendable {
    public var from: Phase
    public var to: Phase
    public var a: FunctionValue
    /// Its name in B (a compiler clone's may differ).
    public var b: FunctionValue
}

public struct CountChange: Codable, Sendable, Equatable {
    public var function: String
    public var a: Double
    public var b: Double
}

/// One set of functions against another: a syscall phase, or a funccount table.
public struct FunctionsDiff: Codable, Sendable {
    /// Hottest first.
    public var onlyA: [FunctionValue]
    public var onlyB: [FunctionValue]
    public var renamed: [Rename]
    /// Largest change first.
    public var changed: [CountChange]
    /// In both, within the noise.
    public var same: Int

    public var isEmpty: Bool { onlyA.isEmpty && onlyB.isEmpty && renamed.isEmpty && changed.isEmpty }
}

/// A phase's size on one side: distinct functions and calls per dial.
public struct PhaseTotals: Codable, Sendable, Equatable {
    public var distinct: Int
    public var perDial: Double
}

public struct PhaseDiff: Codable, Sendable {
    /// socket, connect, write, read, close, other, no-syscall (as in CompareResult).
    public var phase: Phase
    public var a: PhaseTotals
    public var b: PhaseTotals
    public var functions: FunctionsDiff
}

public struct ProtocolDiff: Codable, Sendable {
    public var proto: Proto
    /// false where that result has no run of this protocol.
    public var inA: Bool
    public var inB: Bool
    public var phases: [PhaseDiff]
    /// Functions only in A under one syscall and only in B under another,
    /// taken out of the phases' only-A and only-B lists.
    public var moved: [Move]
    /// A `--run` command's name (nil for a protocol).
    public var name: String? = nil

    /// "TCP", or the command's name.
    public var title: String { name ?? proto.title }
}

/// A claim judged differently (or judged by one result only: nil status).
public struct ClaimChange: Codable, Sendable {
    public var id: String
    public var title: String
    public var a: ClaimStatus?
    public var b: ClaimStatus?
    public var evidenceA: Evidence?
    public var evidenceB: Evidence?
}

public struct DiffResult: Codable, Sendable {
    public var kind: ResultKind
    public var unit: DiffUnit
    public var noise: Noise
    public var a: DiffSide
    public var b: DiffSide
    /// compare: false when one side counted calls and the other stack hits
    /// (tracepoint mode); per-dial changes are then left out.
    public var countsComparable: Bool
    /// compare: per protocol, per syscall phase.
    public var protocols: [ProtocolDiff]
    /// compare: claims whose status differs.
    public var claims: [ClaimChange]
    /// compare: claims judged the same on both.
    public var claimsSame: Int
    /// funccount: the two tables.
    public var counts: FunctionsDiff?

    /// compare: A and B attached different sets of the matched functions (one
    /// trimmed to those seen in dials on per-function kprobes, the other every
    /// one), so a function only on one side may be one the other never attached.
    public var functionSetsDiffer: Bool {
        guard kind == .compare else { return false }
        return (a.functionSet?.kind ?? .all) != (b.functionSet?.kind ?? .all)
    }
}
