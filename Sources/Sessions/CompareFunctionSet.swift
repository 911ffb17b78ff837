import KernelInfo
import Probes

/// Which of the matched functions `kpath compare` attaches. Where every
/// function is a kprobe of its own (the kprobe backend: 6.1, 5.10), each
/// costs a perf event to attach and a serialized RCU grace period to detach
/// (~50 ms under emulation): the ~930 default functions took 27 s to attach
/// and 50 s to detach on 6.1. By default there compare attaches only those
/// seen to fire in its dials on the kernels kpath is tested on
/// (DialedFunctions) and every function a claim or the report names.
/// Patterns the user gives are attached as given, as funccount and
/// bpftrace do.
public struct CompareFunctionSet: Codable, Sendable, Equatable {
    /// `--functions`: left out (auto), `all`, `seen`, or patterns (given).
    public enum Choice: Sendable, Equatable { case auto, all, seen, given }

    public enum Kind: String, Codable, Sendable {
        /// Every function the patterns match.
        case all
        /// The default patterns' functions seen in compare's dials (and those the claims name).
        case seenInDials = "seen-in-dials"
        /// The user's own patterns, every match.
        case given
    }

    public var kind: Kind
    /// Functions the patterns match on this kernel.
    public var matched: Int
    /// Of those, the ones compare asked the backend to attach.
    public var chosen: Int
    /// Attach seconds per function in this run (seen-in-dials only): what each
    /// of the others would add to the start (and about as much to the detach).
    public var secondsPerFunction: Double?

    public init(kind: Kind, matched: Int, chosen: Int, secondsPerFunction: Double? = nil) {
        self.kind = kind; self.matched = matched; self.chosen = chosen; self.secondsPerFunction = secondsPerFunction
    }

    /// The set for `choice` on `backend`; the functions to attach in that set.
    /// `auto` keeps the dialed ones only where each function is one kprobe,
    /// and never for `--run` commands (DialedFunctions is protocol dials').
    public static func choose(_ choice: Choice, backend: Backend, commands: Bool, matched: [String]) -> (CompareFunctionSet, [String]) {
        let kind: Kind
        switch choice {
        case .given: kind = .given
        case .all: kind = .all
        case .seen: kind = .seenInDials
        case .auto: kind = backend == .kprobe && !commands ? .seenInDials : .all
        }
        let fns = kind == .seenInDials ? matched.filter(isKept) : matched
        return (CompareFunctionSet(kind: kind, matched: matched.count, chosen: fns.count), fns)
    }

    /// Seen in the dials, or named by a claim or the report; a compiler clone
    /// (tcp_foo.isra.0) by its base name.
    static func isKept(_ name: String) -> Bool {
        let base = String(name.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)[0])
        return DialedFunctions.names.contains(base) || named.contains(base)
    }

    /// The functions the claims judge from counts (Claims, ProtocolClaims,
    /// PairClaims) and the report's article functions, by every kernel's name.
    public static let named: Set<String> = Set(FunctionRole.allCases.flatMap(\.allNames) + PairClaims.ip6Connect + PairClaims.ip6Route + [
        "tcp_v4_connect", "tcp_v6_connect", "tcp_connect", "tcp_sendmsg", "tcp_recvmsg", "tcp_close",
        "udp_destroy_sock", "udpv6_sendmsg", "udpv6_recvmsg",
        "unix_stream_connect", "unix_dgram_connect", "unix_stream_sendmsg", "unix_dgram_sendmsg",
        "sock_def_readable", "skb_queue_tail",
    ])

    /// The header's line for a trimmed set: what was left out and how to get it.
    public var headerLine: String? {
        guard kind == .seenInDials else { return nil }
        let more = secondsPerFunction.map { s in "about \(Int((Double(matched - chosen) * s).rounded())) s more to attach, and about as long to detach" } ?? "slower"
        return "per-function kprobes here: \(chosen) of \(matched) functions attached (those seen in compare's dials on the kernels kpath is tested on); --functions all attaches every one (\(more))"
    }

    /// What compare says before attaching.
    public func attachingLine(backend: Backend) -> String {
        kind == .seenInDials
            ? "attaching \(chosen) of \(matched) functions with \(backend.rawValue), one kprobe each: those seen in compare's dials (--functions all for every one)..."
            : "attaching \(chosen) functions with \(backend.rawValue)..."
    }
}
