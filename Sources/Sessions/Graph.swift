import Glibc
import KernelInfo
import Probes
import Workload

public typealias GraphResult = Attached<CallTrees>

public struct CallTrees: Codable, Sendable {
    /// Syscalls with at least one traced call (or an error), in order.
    public var trees: [SyscallTree]
    /// Per syscall name, the trees merged (when merging).
    public var merged: [MergedSyscall]?
    /// Traced syscalls that ran none of the traced functions.
    public var emptySyscalls: Int
    public var anomalies: CallGraphAnomalies
    public var lost: StackLosses
}

/// `kpath graph`: entry and return probes on every matched function, syscall
/// roots from raw_syscalls, records of the traced command (or -p PID) only,
/// rebuilt into call trees per thread.
public final class GraphSession {
    public let features: KernelFeatures
    public let functions: [String]
    public let patterns: [String]
    public let tracker: Tracker
    public let recorder: CallRecorder
    public let child: HeldProcess?
    private var builder: CallGraphBuilder

    /// The default set: the socket path of a dial, from __sys_* through sock,
    /// inet, tcp/udp and ip down to the device and the loopback receive. Six
    /// extended regexes (one per layer); ~150 functions, so per-function kprobes
    /// (Debian 6.1) attach it in seconds.
    public static let defaultPatterns = [
        "^(__sys_(socket|bind|listen|connect|accept|sendto|recvfrom|sendmsg|recvmsg|shutdown|setsockopt|getsockopt|getsockname|getpeername)[a-z_0-9]*|__sock_(create|release|sendmsg)|sock_(close|sendmsg|recvmsg|def_readable|alloc_file|create)|sk_alloc|sk_free)$",
        "^(__inet_(stream_connect|hash_connect|check_established|lookup_established|lookup_listener|bind|listen_sk|accept)|inet_(stream_connect|dgram_connect|sendmsg|recvmsg|release|create|hash_connect|wait_for_connect|autobind|csk_get_port|csk_accept|csk_listen_start))$",
        "^(tcp_v4_[a-z_]*|tcp_connect[a-z_]*|__tcp_[a-z_]*|tcp_transmit_skb|tcp_rcv_[a-z_]*|tcp_reset|tcp_done|tcp_set_state|tcp_sendmsg[a-z_]*|tcp_recvmsg[a-z_]*|tcp_close|tcp_init_sock|tcp_finish_connect)$",
        "^(udp_(sendmsg|recvmsg|send_skb|lib_get_port|v4_get_port|rcv|connect|init_sock|destroy_sock|lib_close|queue_rcv_skb)|__udp4_[a-z_]*|__udp_(disconnect|enqueue_schedule_skb)|(__)?ip4_datagram_connect)$",
        "^(ip_(output|finish_output2?|local_out|queue_xmit|rcv|rcv_finish|local_deliver|local_deliver_finish|route_output_flow|make_skb|send_skb|append_data)|__ip_(local_out|queue_xmit|finish_output|append_data|make_skb))$",
        "^(__dev_queue_xmit|dev_hard_start_xmit|loopback_xmit|netif_rx(_internal)?|__netif_receive_skb[a-z_]*|net_rx_action)$",
    ]

    public struct Options {
        /// Empty: defaultPatterns.
        public var patterns: [String] = []
        public var regex = false
        public var pid: Int32?
        public var command: [String] = []
        public var backend: Backend?
        /// Syscall names to root trees at; nil: every syscall.
        public var syscalls: [String]?
        /// Where the command's output goes (compare --graph keeps it off its report).
        public var commandOutput: HeldProcess.Output = .inherit
        /// --tid, --comm: filtered in the kernel at syscall entry (TaskFilter).
        public var tasks = TaskFilter()
        public init() {}
    }

    public init(_ o: Options) throws {
        // Every process would include kpath itself: each record read makes more.
        guard o.pid != nil || !o.command.isEmpty else {
            throw SessionError.badArgument("give -p PID or -- COMMAND (kpath graph traces one program: tracing every process would trace kpath reading its own records)")
        }
        features = KernelFeatures.detect()
        try Preflight.requirePrivileges(features)
        if let p = o.pid { try Preflight.requireProcess(p) }
        try o.tasks.check()
        let backend: Backend
        do {
            backend = try Backend.choose(forced: o.backend, for: .returns, features: features)
        } catch ProbeError.kprobesUnavailable(let reason) {
            throw GraphError.needsFunctionProbes(reason)
        } catch ProbeError.backendUnavailable(let b, _) where !ProbeNeeds.returns.fits(b) {
            throw GraphError.backend(b)
        }
        var numbers: Set<Int>? = nil
        if let names = o.syscalls {
            numbers = Set(try names.map { n in
                guard let nr = SyscallTable.number(n) else { throw GraphError.unknownSyscall(n) }
                return nr
            })
        }
        let useDefault = o.patterns.isEmpty
        patterns = useDefault ? Self.defaultPatterns : try FunctionPatterns.parse(o.patterns, regex: o.regex)
        let regex = useDefault || o.regex
        let kallsyms: Kallsyms? = HitKey.current == .address ? try Kallsyms.load() : nil
        functions = try FunctionCatalog.matching(patterns, regex: regex, kallsyms: kallsyms)
        var held: HeldProcess? = nil
        if let exe = o.command.first {
            let path = try HeldProcess.resolveExecutable(exe)
            held = try HeldProcess(executable: path, arguments: Array(o.command.dropFirst()), role: "command", output: o.commandOutput)
        }
        child = held
        tracker = try Tracker(phases: false, interrupts: true)
        try tracker.follow(commandPID: held?.pid, pid: o.pid, followPIDForks: true)
        try tracker.setTaskFilter(o.tasks)
        try tracker.attachInterrupts()
        recorder = try CallRecorder(functions: functions, backend: backend, tracker: tracker, syscalls: numbers, kallsyms: kallsyms)
        if recorder.report.attached.isEmpty {
            throw ProbeError.nothingAttached(recorder.report.skippedSummary ?? "every function refused")
        }
        try recorder.attachSyscalls()
        builder = CallGraphBuilder(functions: functions, syscallName: SyscallTable.name)
    }

    public func releaseCommand() throws { try child?.release() }

    /// Reads what arrived (up to `timeoutMs`) into the trees.
    public func poll(timeoutMs: Int32) {
        for e in recorder.poll(timeoutMs: timeoutMs) { builder.add(e) }
    }

    /// Stops recording, reads the rest and builds the result.
    /// `merge`: nil merges the syscalls that repeat; true all; false none.
    public func finish(merge: Bool?) -> GraphResult {
        let report = recorder.report
        recorder.detach()
        tracker.detach()
        for e in recorder.drain() { builder.add(e) }
        let graph = builder.finish()
        let shown = graph.trees.filter { !$0.calls.isEmpty || $0.errorOrigin != nil }
        var merged: [MergedSyscall]? = nil
        if merge != false {
            let all = GraphMerge.merge(shown)
            merged = merge == true || all.contains(where: { $0.count > 1 }) ? all : nil
        }
        return GraphResult(AttachSummary(kernel: features.release, patterns: patterns, report: report), CallTrees(
                           trees: shown, merged: merged, emptySyscalls: graph.trees.count - shown.count,
                           anomalies: graph.anomalies, lost: tracker.losses()))
    }
}

public enum GraphError: Error, CustomStringConvertible {
    case needsFunctionProbes(String)
    case backend(Backend)
    case unknownSyscall(String)

    public var description: String {
        switch self {
        case .needsFunctionProbes(let why):
            return "kpath graph needs function probes (kprobes) and this kernel has none: \(why); see `kpath doctor`\(Checkout.vmtestHint)"
        case .backend(let b):
            return "kpath graph cannot use backend \(b.rawValue): it records returns through kprobes; use kprobe-multi or kprobe, or omit --backend"
        case .unknownSyscall(let s):
            return "unknown syscall \"\(s)\" in --syscall; give x86_64 syscall names, e.g. --syscall connect,sendto"
        }
    }
}
