import FoundationEssentials
import Glibc
import KernelInfo
import Probes
import Workload

/// `kpath compare tcp udp`: the article's experiment in one run. For each
/// protocol it starts the echo server and client held, attaches the probes
/// once (function counters with per-syscall phases, packets, stacks, syscall
/// records), releases them, makes N dials, and reads everything back into a
/// CompareResult; then judges the article's claims from those values.
public final class CompareSession {
    public enum Side: String, CaseIterable, Codable, Sendable { case client, server, both }

    public struct Options {
        public var protocols: [Proto] = [.tcp, .udp]
        public var count = 10
        public var patterns = CompareSession.defaultPatterns
        /// Which matched functions to attach (CompareFunctionSet): by default, where each is one kprobe, those seen in dials.
        public var functionSet: CompareFunctionSet.Choice = .auto
        public var side: Side = .client
        public var backend: Backend?
        public var commandLine = "kpath compare tcp udp"
        /// `--run NAME=CMD`: commands compared instead of protocols (CommandRun.swift).
        public var commands: [NamedCommand] = []
        /// --peer netns: client and server in namespaces of their own joined by a veth (PeerLink); --rtt: netem's round trip.
        public var peerNamespace = false
        public var rttNs: UInt64?
        public init() {}
    }

    public static let defaultPatterns = ["tcp_*", "udp_*", "ip_*", "ip4_*", "inet_*", "sock_*", "__sys_*"]

    /// The default patterns and what the compared protocols add: IPv6's own
    /// layer (ip6_*, inet6_*, udpv6_*), Unix sockets' unix_*.
    public static func defaultPatterns(for protocols: [Proto]) -> [String] {
        var p = defaultPatterns
        if protocols.contains(where: \.isIPv6) { p += ["ip6_*", "inet6_*", "udpv6_*"] }
        if protocols.contains(where: \.isUnix) { p += ["unix_*"] }
        // Where a Unix datagram lands: straight on the peer's receive queue.
        if protocols.contains(.unixgram) { p += ["skb_queue_tail"] }
        return p
    }

    /// Where stacks are taken when functions can be probed: the article's
    /// points, by role; each role's first name this kernel has.
    static let stackRoles: [FunctionRole] = [.tcpTransmit, .udpConnect, .udpSendSkb, .udpDequeue]

    static func stackFunctions(have: Set<String>, kernel: KernelLine?) -> [String] {
        stackRoles.compactMap { r in (r.names(on: kernel) + r.allNames).first { have.contains($0) } }
    }
    /// And when only tracepoints work.
    /// Where compare takes kernel stacks besides functions: packets leaving,
    /// TCP data copied to the reader, and every socket read's length (6.3+;
    /// UDP reads copy with copy_linear_skb, which fires no skb tracepoint).
    public static let stackTracepoints = [("net", "net_dev_queue"), ("skb", "skb_copy_datagram_iovec"), ("sock", "sock_recv_length")]
    /// "net:net_dev_queue, skb:skb_copy_datagram_iovec, sock:sock_recv_length"
    public static var stackTracepointNames: String { stackTracepoints.map { "\($0.0):\($0.1)" }.joined(separator: ", ") }

    public let options: Options
    public let features: KernelFeatures
    public let mode: CompareMode
    public let backend: Backend
    public let modeReason: String?
    let functions: [String]
    /// Which of the matched functions are attached (nil in tracepoint mode).
    public private(set) var functionSet: CompareFunctionSet?
    let kallsyms: Kallsyms
    let catalog: FunctionCatalog?

    public init(_ o: Options) throws {
        options = o
        features = KernelFeatures.detect()
        try Preflight.requirePrivileges(features)
        if o.rttNs != nil { try PeerLink.checkNetem() }
        kallsyms = try Kallsyms.load()
        let patterns = try FunctionPatterns.parse(o.patterns)
        if o.backend == .tracepoint {
            backend = .tracepoint
            modeReason = "--backend tracepoint was asked for"
        } else {
            do {
                backend = try Backend.choose(forced: o.backend, for: .entries, features: features)
                modeReason = nil
            } catch ProbeError.kprobesUnavailable {  // none chosen: tracepoint mode
                backend = .tracepoint
                modeReason = features.kprobesUnavailableReason ?? "no function backend is available"
            }
        }
        mode = backend == .tracepoint ? .tracepoints : .functions
        // A --run command that is not there costs nothing yet: no probe is attached.
        for c in o.commands { _ = try HeldProcess.resolveExecutable(c.words[0]) }
        catalog = try? FunctionCatalog.load(kallsyms: kallsyms)
        if mode == .functions {
            guard let catalog else { throw KernelInfoError.noTraceableFunctions(reason: "neither available_filter_functions nor kallsyms could be read") }
            (functionSet, functions) = CompareFunctionSet.choose(o.functionSet, backend: backend, commands: !o.commands.isEmpty,
                                                                 matched: try catalog.match(patterns))
            Timing.mark("compare: \(functions.count) functions matched")
        } else {
            // Still check the patterns, so a typo is an error in either mode.
            if let catalog { _ = try catalog.match(patterns) }
            functions = []
        }
    }

    public func run(progress: (String) -> Void = { _ in }) throws -> CompareResult {
        let start = Date()
        let tracker = try Tracker()
        try tracker.setFilter(tracking: true, followForks: true)
        try tracker.attachPhases()
        Timing.mark("compare: tracker attached")

        var counter: FunctionCounter? = nil
        if mode == .functions {
            progress(functionSet?.attachingLine(backend: backend) ?? "attaching \(functions.count) functions with \(backend.rawValue)...")
            counter = try FunctionCounter(functions: functions, backend: backend, tracker: tracker, kallsyms: kallsyms)
            progress("attached \(counter!.report.attachedCount) functions in \(cFormat("%.2f", counter!.report.seconds)) s"
                     + (counter!.report.skippedSummary.map { "; \($0)" } ?? ""))
            Timing.mark("compare: \(counter!.report.attachedCount) functions attached")
        }
        let packets = try PacketRecorder(tracker: tracker, port: 0, stacks: true)
        let probes = try CompareProbes(mode: mode, backend: backend, tracker: tracker, kallsyms: kallsyms, catalog: catalog)
        Timing.mark("compare: packets, stacks and syscall probes attached")

        var runs: [ProtocolRun] = []
        var calls: [Proto: [SyscallRecord]] = [:]
        for c in options.commands {
            let (run, _) = try runCommand(c, tracker: tracker, counter: counter, packets: packets, probes: probes, progress: progress)
            runs.append(run)
            Timing.mark("compare: \(c.name) runs done and read")
        }
        for p in options.commands.isEmpty ? options.protocols : [] {
            if Interrupt.requested { throw Cancelled() }
            let (run, records) = try runProtocol(p, tracker: tracker, counter: counter, packets: packets, probes: probes, progress: progress)
            runs.append(run)
            calls[p] = records
            Timing.mark("compare: \(p.rawValue) dials done and read")
        }
        // The read-deadline claim belongs to the article's tcp/udp pair.
        let articlePair = options.commands.isEmpty && options.protocols.contains(.tcp) && options.protocols.contains(.udp)
        var deadline: Claims.DeadlineProbe? = nil
        if articlePair {
            progress("udp: read deadline probe...")
            deadline = try deadlineProbe(tracker: tracker, probes: probes)
        }
        var lost = tracker.losses()
        lost.unnamed = counter?.unnamedHits ?? 0
        Timing.mark("compare: read deadline probe done")
        let detachStart = Date()
        counter?.detach()
        if let c = counter, functionSet?.kind == .seenInDials, c.report.attachedCount > 0 {
            functionSet?.secondsPerFunction = (c.report.seconds + Date().timeIntervalSince(detachStart)) / Double(c.report.attachedCount)
        }
        Timing.mark("compare: functions detached")
        packets.detach()
        probes.detach()
        tracker.detach()
        Timing.mark("compare: everything detached")

        let tcp = runs.first { $0.proto == .tcp }, udp = runs.first { $0.proto == .udp }
        var claims = (tcp != nil && udp != nil) ? Claims.judge(tcp: tcp!, udp: udp!, mode: mode, deadline: deadline,
                                                                             kernel: KernelLine(release: features.release), calls: calls) : []
        claims += ProtocolClaims.judge(runs: runs, mode: mode, calls: calls)
        claims += PairClaims.judge(runs: runs, mode: mode)
        if let rtt = options.rttNs { claims += PeerClaims.judge(calls: calls, rttNs: rtt) }
        return CompareResult(kernel: features.release, backend: backend, mode: mode, modeReason: modeReason,
                             dials: options.count, side: options.side, patterns: splitPatterns(options.patterns),
                             command: options.commandLine, seconds: Date().timeIntervalSince(start), runs: runs, claims: claims, lost: lost,
                             functionSet: functionSet,
                             link: options.peerNamespace ? "veth between two network namespaces (client 198.18.0.1, 2001:2::1; server 198.18.0.2, 2001:2::2)"
                                + (options.rttNs.map { ", round trip \(PeerClaims.ms($0)) (netem)" } ?? "") : nil)
    }

    // MARK: one protocol

    func runProtocol(_ proto: Proto, tracker: Tracker, counter: FunctionCounter?, packets: PacketRecorder, probes: CompareProbes,
                     progress: (String) -> Void = { _ in }) throws -> (ProtocolRun, [SyscallRecord]) {
        let t0 = Date()
        let dir = try TempDir()
        // Unix sockets: a socket file in the private directory (the server removes it; TempDir too).
        let port = proto.isUnix ? 0 : try freeLoopbackPort(proto)
        let peer = options.peerNamespace && !proto.isUnix
        let address = proto.isUnix ? dir.path + "/echo.sock" : peer ? PeerLink.serverAddress(ipv6: proto.isIPv6, port: port)
            : proto.isIPv6 ? "[::1]:\(port)" : "127.0.0.1:\(port)"
        // The port is named so that a caller (Tests/vm/cleanup.sh) can check it is free again after kpath stops.
        progress("\(proto.rawValue): \(options.count) dials to \(address)" + (peer ? " over a veth between two network namespaces"
            + (options.rttNs.map { ", round trip \(PeerClaims.ms($0))" } ?? "") : "") + "...")
        let serverLog = dir.path + "/server.log", clientLog = dir.path + "/client.log"
        let exe = HeldProcess.selfExecutable
        let server = try HeldProcess(executable: exe, arguments: ["echo", "server", "--proto", proto.rawValue, "--listen", address],
                                     role: "server", output: .file(serverLog), newNetworkNamespace: peer)
        let client = try HeldProcess(executable: exe, arguments: ["echo", "client", "--proto", proto.rawValue, "--to", address,
                                                                  "--count", String(options.count)],
                                     role: "client", output: .fileAndErrors(clientLog), newNetworkNamespace: peer)
        // Both parked in their empty namespaces: join them (they, and the veth, end with the two processes).
        let link = peer ? try PeerLink(clientPID: client.pid, serverPID: server.pid, rttNs: options.rttNs) : nil
        defer { withExtendedLifetime(link) {} }
        try tracker.track(pid: server.pid, role: .server, fromExec: true)
        try tracker.track(pid: client.pid, role: .client, fromExec: true)
        // A Unix run has no port to filter on: the packets sent while a tracked
        // task runs are read, and only the client's or server's are kept (there should be none).
        let roles: [Role] = options.side == .both ? [.client, .server] : [options.side == .server ? .server : .client]
        return try collectColumn(proto, port: port, trackedOnly: proto.isUnix, roles: roles, since: t0,
                                 counter: counter, packets: packets, probes: probes, run: {
            try server.release()
            try waitForLine(serverLog, containing: "listening", timeout: 10, process: server)
            try client.release()
            let clientExit = try waitExit(client, timeout: 60)
            Timing.mark("compare: \(proto.rawValue) client done")
            server.terminate(signal: SIGTERM)
            _ = try? waitExit(server, timeout: 10)
            return HeldRun(clientPID: client.pid, serverPID: server.pid, clientExit: clientExit, clientOutput: readLines(clientLog))
        }, read: { start in
            let sys = probes.syscalls(pid: client.pid)
            // Attribution by port means nothing for Unix sockets: keep the packets
            // the two processes' tasks sent (none expected), each counted as dial 1's.
            let seen = proto.isUnix ? packets.packets.filter { $0.tgid == UInt32(client.pid) || $0.tgid == UInt32(server.pid) } : packets.packets
            let dialPackets = attribute(seen, serverPort: port, clientPID: client.pid, serverPID: server.pid,
                                        start: start, recorder: packets, clientSyscalls: sys.intervals, byPort: !proto.isUnix)
            return ColumnReadout(records: sys.records, stacks: probes.samples(clientPID: client.pid, serverPID: server.pid), packets: dialPackets)
        })
    }

    /// Packets belong to a dial by the client's port (the one that is not the
    /// server's), never by the task that happened to be running; and to a
    /// client syscall by time (PacketPlacement).
    func attribute(_ pkts: [Packet], serverPort: UInt16, clientPID: Int32, serverPID: Int32, start: UInt64, recorder: PacketRecorder,
                   clientSyscalls: [PacketPlacement.Call], byPort: Bool = true) -> [DialPacket] {
        var dialOfPort: [UInt16: Int] = [:]
        var out: [DialPacket] = []
        let placement = PacketPlacement(clientSyscalls: clientSyscalls)
        for p in pkts.sorted(by: { $0.ns < $1.ns }) {
            let fromServer = p.sourcePort == serverPort
            let clientPort = fromServer ? p.destinationPort : p.sourcePort
            let dial = !byPort ? 1 : dialOfPort[clientPort] ?? { let d = dialOfPort.count + 1; dialOfPort[clientPort] = d; return d }()
            let task = p.tgid == UInt32(clientPID) ? "client" : p.tgid == UInt32(serverPID) ? "server" : p.comm
            let (during, lateDuring) = placement.place(ns: p.ns, dial: dial,
                                                       clientTaskPhase: p.tgid == UInt32(clientPID) ? p.phase : nil)
            out.append(DialPacket(dial: dial, phase: during, duringDial: lateDuring?.dial, duringPhase: lateDuring?.phase,
                                  sender: fromServer ? .server : .client, task: task,
                                  inInterrupt: p.inInterrupt, source: p.source, destination: p.destination, flags: p.flags,
                                  length: p.length, nsSinceStart: p.ns > start ? p.ns - start : 0,
                                  stack: dial == 1 ? recorder.stack(p.kstack).map { kallsyms.symbolize($0) } : [], device: p.device))
        }
        return out
    }

    /// Tracepoint mode: the functions on the client's stacks, per phase.
    func functionsOnStacks(_ stacks: [StackSample]) -> [PhaseFunctions] {
        var byPhase: [Phase: [String: UInt64]] = [:]
        for s in stacks where s.role == .client {
            for f in Set(s.functions) { byPhase[s.phase, default: [:]][f, default: 0] += s.count }
        }
        return Phase.allCases.map { ph in
            let fns = (byPhase[ph] ?? [:]).map {
                FunctionHits(function: $0.key, calls: $0.value, perDial: Double($0.value) / Double(options.count), inInterrupt: 0)
            }.sorted { ($0.calls, $1.function) > ($1.calls, $0.function) }
            return PhaseFunctions(phase: ph, functions: fns)
        }
    }

    // MARK: read deadline

    /// A UDP client against a socket kpath holds and never answers: its read
    /// must end in the article's "i/o timeout".
    func deadlineProbe(tracker: Tracker, probes: CompareProbes) throws -> Claims.DeadlineProbe {
        let (fd, port) = try bindLoopback(.udp)
        defer { close(fd) }
        let dir = try TempDir()
        let log = dir.path + "/deadline.log"
        let client = try HeldProcess(executable: HeldProcess.selfExecutable,
                                     arguments: ["echo", "client", "--proto", "udp", "--to", "127.0.0.1:\(port)", "--count", "1", "--timeout", "1"],
                                     role: "client", output: .fileAndErrors(log))
        try tracker.track(pid: client.pid, role: .client, fromExec: true)
        try client.release()
        let status = try waitExit(client, timeout: 20)
        probes.drain()
        let sys = probes.syscalls(pid: client.pid)
        return Claims.DeadlineProbe(output: readLines(log), exitStatus: status, calls: sys.records)
    }
}

// MARK: helpers

func monotonicNs() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// A socket bound to 127.0.0.1 (::1 for tcp6/udp6) on a port the kernel picks, and that port.
func bindLoopback(_ proto: Proto) throws -> (fd: Int32, port: UInt16) {
    if proto.isIPv6 { return try bindLoopback6(proto) }
    let fd = socket(AF_INET, Int32(proto.isStream ? SOCK_STREAM.rawValue : SOCK_DGRAM.rawValue), 0)
    guard fd >= 0 else { throw SessionError.badArgument("cannot open a socket: \(String(cString: strerror(errno)))") }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return (fd, UInt16(bigEndian: addr.sin_port))
}

private func bindLoopback6(_ proto: Proto) throws -> (fd: Int32, port: UInt16) {
    let fd = socket(AF_INET6, Int32(proto.isStream ? SOCK_STREAM.rawValue : SOCK_DGRAM.rawValue), 0)
    guard fd >= 0 else { throw SessionError.badArgument("cannot open an IPv6 socket: \(String(cString: strerror(errno)))") }
    var addr = sockaddr_in6()
    addr.sin6_family = sa_family_t(AF_INET6)
    addr.sin6_addr = in6addr_loopback
    var len = socklen_t(MemoryLayout<sockaddr_in6>.size)
    let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
    if rc != 0 {
        let why = String(cString: strerror(errno))
        close(fd)
        throw SessionError.badArgument("cannot bind [::1] for \(proto.rawValue): \(why) (is IPv6 loopback disabled? check sysctl net.ipv6.conf.lo.disable_ipv6)")
    }
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return (fd, UInt16(bigEndian: addr.sin6_port))
}

/// A free port on 127.0.0.1 for `proto` (bound, read, released).
func freeLoopbackPort(_ proto: Proto) throws -> UInt16 {
    let (fd, port) = try bindLoopback(proto)
    close(fd)
    return port
}

func readLines(_ path: String) -> [String] {
    (readFileString(path) ?? "").split(separator: "\n").map(String.init)
}

func waitForLine(_ path: String, containing: String, timeout: Double, process: HeldProcess) throws {
    let start = Date()
    while Date().timeIntervalSince(start) < timeout {
        if Interrupt.requested { throw Cancelled() }
        if readLines(path).contains(where: { $0.contains(containing) }) { return }
        if !process.isRunning {
            throw SessionError.badArgument("the echo \(process.role) exited early: \(readLines(path).last ?? "no output")")
        }
        usleep(20_000)
    }
    throw SessionError.badArgument("the echo \(process.role) did not start within \(Int(timeout)) s")
}

/// A held process's exit status once it ends; killed past `timeout` seconds
/// with the error `late` (the echo ROLE did not finish within N s).
func waitExit(_ p: HeldProcess, timeout: Double, late: String? = nil) throws -> Int32 {
    let start = Date()
    while p.isRunning {
        if Interrupt.requested { p.terminate(signal: SIGKILL); throw Cancelled() }
        if Date().timeIntervalSince(start) > timeout {
            p.terminate(signal: SIGKILL)
            throw SessionError.badArgument(late ?? "the echo \(p.role) did not finish within \(Int(timeout)) s")
        }
        usleep(5_000)
    }
    return p.wait()
}

/// A private temporary directory, removed with its files on deinit.
final class TempDir {
    let path: String
    init() throws {
        var template = Array("/tmp/kpath-XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else { throw SessionError.badArgument("cannot create a temporary directory") }
        path = String(cString: p)
    }
    deinit {
        if let names = try? FileManager.default.contentsOfDirectory(atPath: path) {
            for n in names { unlink(path + "/" + n) }
        }
        rmdir(path)
    }
}
