import Probes

/// The plain values a compare run produces: what the reports render and the
/// JSON carries (schema in docs/compare-json.md).
public enum Proto: String, Codable, CaseIterable, Sendable {
    case tcp, udp, tcp6, udp6, unix, unixgram
    /// A command given with `compare --run NAME=CMD`: no protocol of kpath's
    /// own; the run's `name` tells which (CommandRun.swift).
    case command

    /// What `kpath compare PROTO...` takes (all but `command`).
    public static let protocols: [Proto] = allCases.filter { $0 != .command }

    /// A Unix socket: no port, no packet, no network device.
    public var isUnix: Bool { self == .unix || self == .unixgram }
    public var isIPv6: Bool { self == .tcp6 || self == .udp6 }
    public var isStream: Bool { self == .tcp || self == .tcp6 || self == .unix }
    /// As the reports name it: "TCP", "UDP", "TCP6", "UNIX", "UNIXGRAM".
    public var title: String { rawValue.uppercased() }
}

/// How the run saw the kernel: function probes, or tracepoints only.
public enum CompareMode: String, Codable, Sendable {
    case functions
    /// Locked-down or kprobe-less kernels: syscall and network tracepoints, functions only as seen on stacks.
    case tracepoints
}

public struct FunctionHits: Codable, Sendable, Equatable {
    public var function: String
    public var calls: UInt64
    public var perDial: Double
    /// Calls that ran in softirq/hardirq on top of the traced task (loopback receive, peer's reply).
    public var inInterrupt: UInt64
}

public struct PhaseFunctions: Codable, Sendable {
    /// socket, connect, write, read, close, other, no-syscall, bind/listen/accept (by name in JSON)
    public var phase: Phase
    public var functions: [FunctionHits]
    public var distinct: Int { functions.count }
    public var callsPerDial: Double { functions.reduce(0) { $0 + $1.perDial } }
}

/// One kernel stack seen at a probe point, symbolized innermost first.
public struct StackSample: Codable, Sendable {
    public var target: String
    public var role: Role
    public var phase: Phase
    public var inInterrupt: Bool
    public var count: UInt64
    public var firstNs: UInt64
    public var frames: [String]
    /// Frame names without offsets, for matching.
    public var functions: [String]
}

/// A packet attributed to a dial by the client's port.
public struct DialPacket: Codable, Sendable {
    public var dial: Int
    /// The client syscall of this dial it left during, "between syscalls", or
    /// "after close" when the client had moved on to a later dial.
    public var phase: PacketMoment
    /// For a packet left after its dial: the later dial and call the client was
    /// in (a race between the peer's teardown and the next dial; absent in
    /// results saved before).
    public var duringDial: Int?
    public var duringPhase: Phase?
    /// client or server: whose socket sent it (by source port), not the current task.
    public var sender: Role
    /// The task the kernel was running when it left (on loopback the peer's reply
    /// runs in softirq on the sender's stack).
    public var task: String
    public var inInterrupt: Bool
    public var source: String
    public var destination: String
    public var flags: TCPFlags
    public var length: UInt32
    public var nsSinceStart: UInt64
    public var stack: [String]
    /// The device it was queued to: lo, or a veth end with --peer netns (absent in results saved before).
    public var device: String? = nil
}

/// When a dial's packet left, against the client's syscalls. In JSON by name:
/// the phase's (`connect`), "between syscalls" or "after close".
public enum PacketMoment: Codable, Sendable, Equatable, CustomStringConvertible {
    /// Inside this syscall of its own dial.
    case during(Phase)
    /// The client was in no syscall (user space, or another task sent it).
    case betweenSyscalls
    /// After the dial's close(2) returned (the peer's teardown; see PacketPlacement).
    case afterClose

    public var description: String {
        switch self {
        case .during(let p): return p.description
        case .betweenSyscalls: return "between syscalls"
        case .afterClose: return "after close"
        }
    }

    public init(named s: String) {
        switch s {
        case "between syscalls": self = .betweenSyscalls
        case "after close": self = .afterClose
        default: self = .during(Phase(named: s))
        }
    }

    public init(from decoder: Decoder) throws {
        self.init(named: try decoder.singleValueContainer().decode(String.self))
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

public struct ProtocolRun: Codable, Sendable {
    public var proto: Proto
    public var dials: Int
    public var serverPort: UInt16
    public var clientPID: Int32
    public var serverPID: Int32
    public var clientExit: Int32
    public var functionsAttached: Int
    public var functionsSkipped: Int
    /// Per phase, the client's (or --side's) function calls, hottest first.
    public var phases: [PhaseFunctions]
    /// Tracepoint mode: functions seen on the stacks taken at tracepoints, per phase.
    public var functionsOnStacks: [PhaseFunctions]
    public var packets: [DialPacket]
    public var stacks: [StackSample]
    /// The client's syscalls, in order (capped): records from this run, strace
    /// lines from a saved one; JSON holds the lines (Reports renders records).
    public var syscalls: [SyscallLine]
    /// The client's syscall names in order, all dials.
    public var syscallNames: [String]
    public var clientOutput: [String]
    public var seconds: Double
    /// `--run NAME=CMD` only: the name and the command's words (nil for a protocol).
    public var name: String? = nil
    public var argv: [String]? = nil

    public func phase(_ p: Phase) -> PhaseFunctions? { phases.first { $0.phase == p } }
}

public enum ClaimStatus: String, Codable, Sendable {
    case held, notHeld = "not-held", unknown
}

public struct Claim: Codable, Sendable {
    public var id: String
    public var title: String
    public var status: ClaimStatus
    /// Words and the syscall records they quote; a string in JSON.
    public var evidence: Evidence
}

extension Claim {
    /// A claim whose evidence is words only.
    public init(id: String, title: String, status: ClaimStatus, evidence: String) {
        self.init(id: id, title: title, status: status, evidence: Evidence(evidence))
    }
}

public struct CompareResult: Codable, Sendable {
    public var kernel: String
    public var backend: Backend
    public var mode: CompareMode
    public var modeReason: String?
    public var dials: Int
    public var side: CompareSession.Side
    public var patterns: [String]
    public var command: String
    public var seconds: Double
    public var runs: [ProtocolRun]
    public var claims: [Claim]
    /// What full maps and ring buffers cost during the run (all zero
    /// normally; nil in results saved before it was recorded).
    public var lost: StackLosses? = nil
    /// Which of the patterns' functions were attached: all, or (per-function
    /// kprobes, by default) those seen in dials (nil in results saved before it was recorded).
    public var functionSet: CompareFunctionSet? = nil
    /// --peer netns: how client and server were joined ("veth between two network namespaces, round trip 20.0 ms"); nil on loopback.
    public var link: String? = nil

    public func run(_ p: Proto) -> ProtocolRun? { runs.first { $0.proto == p } }
}
