import BPFObjects
import BPFRecords
import Glibc
import KernelInfo
import Libbpf

/// The shared tracking state (bpf/phases.bpf.c): which processes are traced
/// (and their children), which syscall each of their threads is in, and
/// whether a CPU is running an interrupt on top of a task. Every other object
/// is loaded with `share(into:)` so it reads the same maps.
public final class Tracker {
    public let object: BPFObject
    private var links: [BPFLink] = []

    /// Maps every object shares with this one (bpf/include/common.bpf.h).
    public static var sharedMaps: [String] {
        ["kp_config", "kp_tracked", "kp_thread_phase", "kp_lost"] + (BPFObjects.irqFromTracepoints ? ["kp_irq_depth"] : [])
    }

    /// Whether the phase and interrupt programs were loaded (attachPhases needs them).
    public let phasesLoaded: Bool

    /// `phases: false` loads only what following processes needs (funccount,
    /// syscalls): six programs fewer for the verifier at start-up.
    /// `interrupts`: also load the irq tracepoint programs where interrupt context
    /// is counted by them (BPFObjects.irqFromTracepoints), for attachInterrupts().
    public init(phases: Bool = true, interrupts: Bool = false) throws {
        object = try BPFObject(name: "phases", bytes: BPFObjects.bytes(.phases))
        phasesLoaded = phases
        let irq = interrupts && BPFObjects.irqFromTracepoints ? Self.irqPrograms : []
        if !phases { for p in object.programs { p.autoload = (["follow_fork", "start_at_exec"] + irq).contains(p.name) } }
        try object.load()
        try fillPhaseTable()
    }

    /// Makes `other` (not yet loaded) use this tracker's maps.
    public func share(into other: BPFObject) throws {
        try other.shareMaps(Self.sharedMaps, with: object)
    }

    /// Only tracked processes count; with `followForks`, their children join.
    public func setFilter(tracking: Bool, followForks: Bool) throws {
        var cfg = try currentConfig()  // keeps --tid/--comm/-c (TaskFilter.swift)
        cfg.filter_tgids = tracking ? 1 : 0
        cfg.follow_forks = followForks ? 1 : 0
        try object.map("kp_config").update(key: UInt32(0), value: cfg)
        if tracking && followForks {
            links.append(try object.program("follow_fork").attach())
        }
    }

    /// What a tracing command follows: a held command and its children, or
    /// `-p PID` (its children only with `followPIDForks`); neither: every process.
    public func follow(commandPID: Int32?, pid: Int32?, followPIDForks: Bool = false) throws {
        if let c = commandPID {
            try setFilter(tracking: true, followForks: true)
            try track(pid: c, fromExec: true)
        } else if let p = pid {
            try setFilter(tracking: true, followForks: followPIDForks)
            try track(pid: p)
        }
    }

    /// Traces `pid` (and, with followForks, its future children) in `role`.
    /// `fromExec`: a held process (HeldProcess), traced only from its execve on,
    /// so the trampoline's go-ahead read and close are never the command's.
    public func track(pid: Int32, role: Role = .client, fromExec: Bool = false) throws {
        if fromExec && execLink == nil { execLink = try object.program("start_at_exec").attach() }
        let pending = fromExec ? UInt8(KP_ROLE_PENDING_EXEC) : 0
        try object.map("kp_tracked").update(key: UInt32(pid), value: UInt8(role.rawValue) | pending)
    }

    /// start_at_exec, once something is tracked from its execve.
    private var execLink: BPFLink?

    /// True once attachPhases ran: objects read the phase of a thread only then.
    public private(set) var phasesAttached = false

    /// Starts following syscalls (phases), and interrupt context where the
    /// kernel's preempt count cannot be read (BPFObjects.irqFromTracepoints).
    public func attachPhases() throws {
        precondition(phasesLoaded, "Tracker(phases: false) cannot attach phases")
        phasesAttached = true
        // Exits before entries: a thread or CPU is never left marked inside
        // a syscall or interrupt it has left.
        var names = ["phase_exit", "phase_enter"]
        if BPFObjects.irqFromTracepoints { names += ["softirq_exit", "hardirq_exit", "softirq_entry", "hardirq_entry"] }
        for name in names {
            links.append(try object.program(name).attach())
        }
        if BPFObjects.irqFromTracepoints {
            // A softirq running while its exit was being attached left its CPU at depth 1.
            try object.map("kp_irq_depth").updatePerCPU(key: UInt32(0), value: UInt32(0))
        }
    }

    static let irqPrograms = ["softirq_exit", "hardirq_exit", "softirq_entry", "hardirq_entry"]

    /// Interrupt context without phases (graph): the irq tracepoints where the
    /// preempt count cannot be read; nothing to attach elsewhere.
    public func attachInterrupts() throws {
        guard BPFObjects.irqFromTracepoints, !phasesAttached else { return }
        for name in Self.irqPrograms { links.append(try object.program(name).attach()) }
        try object.map("kp_irq_depth").updatePerCPU(key: UInt32(0), value: UInt32(0))
    }

    /// What full maps and buffers cost, by kind (KP_LOST_*).
    public func lost() -> [UInt64] {
        guard let m = try? object.map("kp_lost") else { return [] }
        return m.sumPerCPUArray(count: Int(KP_LOST_NKINDS.rawValue))
    }

    /// The same, by name.
    public func losses() -> StackLosses {
        let l = lost()
        func at(_ k: kp_lost) -> UInt64 { Int(k.rawValue) < l.count ? l[Int(k.rawValue)] : 0 }
        return StackLosses(stacks: at(KP_LOST_STACK), counts: at(KP_LOST_COUNTS), events: at(KP_LOST_EVENTS),
                           tracked: at(KP_LOST_TRACKED))
    }

    public func detach() {
        links.forEach { $0.detach() }
        links = []
        execLink?.detach()
        execLink = nil
    }

    private func fillPhaseTable() throws {
        let map = try object.map("phase_of_syscall")
        for (name, phase) in Self.phaseOfSyscall {
            if let nr = SyscallTable.number(name) { try map.update(key: UInt32(nr), value: UInt8(phase.rawValue)) }
        }
    }

    /// Which syscalls make up each phase of a dial.
    public static let phaseOfSyscall: [(String, kp_phase)] = [
        ("socket", KP_SOCKET), ("socketpair", KP_SOCKET),
        ("connect", KP_CONNECT),
        ("write", KP_SEND), ("writev", KP_SEND), ("sendto", KP_SEND), ("sendmsg", KP_SEND), ("sendmmsg", KP_SEND),
        ("read", KP_RECV), ("readv", KP_RECV), ("recvfrom", KP_RECV), ("recvmsg", KP_RECV), ("recvmmsg", KP_RECV),
        ("close", KP_CLOSE), ("shutdown", KP_CLOSE),
        ("bind", KP_SERVER), ("listen", KP_SERVER), ("accept", KP_SERVER), ("accept4", KP_SERVER),
    ]

    deinit { detach() }
}

/// Phases by name, as users and reports call them. In JSON a phase is its
/// name (`connect`), so saved results read the same; unknown names are `.other`.
public enum Phase: Int, CaseIterable, Codable, Sendable, CustomStringConvertible {
    case none = 0, socket, connect, send, recv, close, server, other

    public var description: String {
        switch self {
        case .none: return "no-syscall"
        case .socket: return "socket"
        case .connect: return "connect"
        case .send: return "write"
        case .recv: return "read"
        case .close: return "close"
        case .server: return "bind/listen/accept"
        case .other: return "other"
        }
    }

    /// The order reports list a client's phases in.
    public static let dialOrder: [Phase] = [.socket, .connect, .send, .recv, .close, .server, .other, .none]

    public init(named s: String) { self = Phase.allCases.first { $0.description == s } ?? .other }

    public init(from decoder: Decoder) throws {
        self.init(named: try decoder.singleValueContainer().decode(String.self))
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// Who a traced process is (kp_role): the command or echo client, or the echo
/// server. In JSON by name (`client`).
public enum Role: Int, CaseIterable, Codable, Sendable, CustomStringConvertible {
    case client = 1, server = 2

    public var description: String { self == .client ? "client" : "server" }

    public init(from decoder: Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        guard let r = Role.allCases.first(where: { $0.description == s }) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown role \(s)"))
        }
        self = r
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
