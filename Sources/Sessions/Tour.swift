import FoundationEssentials
import Glibc
import KernelInfo
import Probes
import Workload

/// `kpath tour`: the article's sections in order, each told by this kernel.
/// One compare run judges the article's claims; then each step runs the
/// sessions of the kpath commands it prints, in-process, against echo
/// servers the tour keeps running (TourSyscalls.swift, TourProbes.swift),
/// and keeps the typed values that make the point (TourExcerpt); Reports
/// renders them as those commands print them.
public final class TourSession {
    public struct Options {
        public var count = 3
        public var backend: Backend?
        public init() {}
    }

    public let compare: CompareSession
    /// Functions mode can probe kernel functions; tracepoint mode cannot.
    public var mode: CompareMode { compare.mode }
    let exe = HeldProcess.selfExecutable
    let dir: TempDir
    var servers: [Proto: (process: HeldProcess, port: UInt16)] = [:]
    var compareResult: CompareResult?

    public init(_ o: Options) throws {
        var c = CompareSession.Options()
        c.count = o.count
        c.backend = o.backend
        c.commandLine = "kpath compare tcp udp --count \(o.count)" + (o.backend.map { " --backend \($0.rawValue)" } ?? "")
        compare = try CompareSession(c)
        dir = try TempDir()
    }

    deinit { stopServers() }

    /// Runs the compare that judges the claims; call before the steps.
    public func measure(progress: (String) -> Void = { _ in }) throws -> CompareResult {
        let r = try compare.run(progress: progress)
        compareResult = r
        return r
    }

    /// Runs one section's commands and gathers its evidence.
    public func step(_ section: TourSection, number: Int, progress: (String) -> Void = { _ in }) throws -> TourStep {
        guard let cr = compareResult else { throw SessionError.badArgument("the tour's compare has not run") }
        var step = TourStep(section: section.rawValue, number: number, title: section.title,
                            explanation: section.explanation, commands: [], evidence: [], claims: [], cannotShow: nil)
        func claims(_ ids: [String]) -> [Claim] { ids.compactMap { id in cr.claims.first { $0.id == id } } }
        let fn = mode == .functions
        let kernel = KernelLine(release: cr.kernel)
        switch section {
        case .resolution:
            let host = TourSession.localhostResolves() ? "localhost" : "127.0.0.1"
            let u = try server(.udp), t = try server(.tcp)
            progress("resolution: syscalls of a UDP and a TCP client dialing \(host)...")
            let ru = try syscalls("all", command: ["echo", "client", "--proto", "udp", "--to", "\(host):\(u)", "--count", "1"])
            let rt = try syscalls("all", command: ["echo", "client", "--proto", "tcp", "--to", "\(host):\(t)", "--count", "1"])
            let wu = TourEvidence.resolutionWindow(ru.records), wt = TourEvidence.resolutionWindow(rt.records)
            let shown = TourEvidence.resolutionHighlights(wu.records)
            step.commands = [ru.shown(TourEvidence.cap(TourEvidence.quoted(shown), 14) + (shown.count < wu.records.count ? ["(\(wu.records.count) calls in all; newfstatat, lseek and close not shown)"] : [])),
                             rt.shown([])]
            if host == "localhost" {
                let same = wu.calls == wt.calls
                step.evidence = ["Resolving \"localhost\" took \(wu.records.count) syscalls for UDP and \(wt.records.count) for TCP, "
                                 + (same ? "naming the same \(wu.calls.count) files and sockets in the same order." : "naming different files:")]
                if !same { step.evidence += ["  UDP: " + wu.calls.map(\.description).joined(separator: " "), "  TCP: " + wt.calls.map(\.description).joined(separator: " ")] }
                step.claims = [Claim(id: "same-resolution", title: Claims.titles[0].1, status: same && !wu.calls.isEmpty ? .held : .notHeld,
                                     evidence: "resolving \"localhost\": " + (same ? "both protocols " + (wu.calls.contains { $0.name.contains("nscd") } ? "tried nscd's socket, then " : "") + "opened \(TourEvidence.brief(wu.calls)), in the same order"
                                                                                    : "UDP \(TourEvidence.brief(wu.calls)); TCP \(TourEvidence.brief(wt.calls))"))]
            } else {
                step.evidence = ["\"localhost\" does not resolve here (no /etc/hosts entry): dialing 127.0.0.1, which getaddrinfo answers without a syscall."]
                step.claims = claims(["same-resolution"])
            }
        case .dialing:
            let u = try server(.udp), t = try server(.tcp)
            if fn {
                progress("dialing: funccount tcp_* and udp_* over one dial each...")
                step.commands = [try funccount("tcp_*", command: client(.tcp, t)), try funccount("udp_*", command: client(.udp, u))]
                // The path itself: which function called which inside each connect(2) (issue 15).
                progress("dialing: the call trees of one TCP and one UDP connect(2)...")
                for (proto, port) in [(Proto.tcp, t), (.udp, u)] {
                    step.commands.append(try graph("connect", depth: 7, lines: proto == .tcp ? 30 : 18, command: client(proto, port)))
                }
            } else {
                progress("dialing: packets and their stacks at net:net_dev_queue...")
                step.commands = [try trace("t:net:net_dev_queue", command: client(.tcp, t), through: ["tcp_connect"])]
                step.cannotShow = "counting tcp_* and udp_* calls (the article's funccount) need kprobes or fentry, and the call trees of each connect (kpath graph) kprobes: \(compare.modeReason ?? "")"
            }
            step.commands.append(TourCommandRun(display: "sudo " + cr.command, exitStatus: 0,
                                                lines: [Evidence("(the tour's measuring run: during each protocol's connect(2))")] + TourEvidence.dialSummary(cr).map { Evidence($0) }))
            step.claims = claims(["both-connect", "socket-types", "tcp-connect-many-functions", "tcp-connect-transmits", "udp-connect-no-transmit", "tcp-handshake-packets"])
        case .writing:
            let u = try server(.udp)
            progress("writing: the kernel stack of a UDP write...")
            let target = fn ? FunctionRole.udpSendSkb.names(on: kernel)[0] : "t:net:net_dev_queue"
            step.commands = [try trace(target, command: client(.udp, u), through: [FunctionRole.udpSendmsg.names(on: kernel)[0]])]
            step.claims = claims(["udp-write-path"])
        case .clientRead:
            let u = try server(.udp)
            progress("client read: the kernel stack of a UDP read, and a read with a deadline...")
            let target = fn ? FunctionRole.udpDequeue.names(on: kernel)[0] : "t:sock:sock_recv_length"
            let r = try trace(target, command: client(.udp, u), through: [fn ? FunctionRole.udpRecvmsg.names(on: kernel)[0] : "sock_read_iter"])
            let (fd, silent) = try bindLoopback(.udp)
            defer { close(fd) }
            let d = try syscalls("connect,write,read,setsockopt", command: ["echo", "client", "--proto", "udp",
                                 "--to", "127.0.0.1:\(silent)", "--count", "1", "--timeout", "1"])
            step.commands = [r, d.shown(TourEvidence.deadline((d.records, d.output)))]
            if !fn { step.cannotShow = "__skb_recv_udp and udp_recvmsg have no tracepoint; sock:sock_recv_length fires as sock_recvmsg returns, so its stack shows the syscall half of the path only" }
            step.claims = claims(["udp-read-path", "read-deadline"])
        case .serverRead:
            let (srv, port) = try serverProcess(.udp)
            progress("server read: the UDP server's kernel stack while a client dials...")
            let target = fn ? FunctionRole.udpDequeue.names(on: kernel)[0] : "t:sock:sock_recv_length"
            step.commands = [try trace(target, pid: srv.pid, through: ["__sys_recvfrom", "__x64_sys_recvfrom"], whileTracing: {
                try self.dial(.udp, port: port)
            })]
            if !fn { step.cannotShow = "__skb_recv_udp needs kprobes; the stack above stops at sock_recvmsg, under __sys_recvfrom" }
            step.claims = claims(["udp-recvfrom-path"])
        case .udpServer:
            let (us, up) = try serverProcess(.udp), (ts, tp) = try serverProcess(.tcp)
            progress("the UDP server: its syscalls, and a TCP server's, while a client dials each...")
            // Two dials: the server sat in recvfrom/accept before tracing began,
            // so the first call's entry is unseen; the second is whole.
            let ru = try syscalls("socket-io", pid: us.pid, whileTracing: { try self.dial(.udp, port: up, count: 2) })
            let rt = try syscalls("socket-io", pid: ts.pid, whileTracing: { try self.dial(.tcp, port: tp, count: 2) })
            step.commands = [ru.shown(TourEvidence.cap(TourEvidence.quoted(ru.records), 8)), rt.shown(TourEvidence.cap(TourEvidence.quoted(rt.records), 8))]
            step.claims = [TourEvidence.udpServerClaim(udp: ru.records, tcp: rt.records)]
        }
        return step
    }

    // MARK: servers and commands

    /// The echo server for `proto`, started once and kept for the whole tour.
    func serverProcess(_ proto: Proto) throws -> (HeldProcess, UInt16) {
        if let s = servers[proto], s.process.isRunning { return (s.process, s.port) }
        let port = try freeLoopbackPort(proto)
        let log = dir.path + "/server-\(proto.rawValue).log"
        let p = try HeldProcess(executable: exe, arguments: ["echo", "server", "--proto", proto.rawValue, "--listen", "127.0.0.1:\(port)"],
                                role: "server", output: .file(log))
        try p.release()
        try waitForLine(log, containing: "listening", timeout: 20, process: p)
        servers[proto] = (p, port)
        return (p, port)
    }

    func server(_ proto: Proto) throws -> UInt16 { try serverProcess(proto).1 }

    func stopServers() {
        for (_, s) in servers { s.process.terminate(signal: SIGTERM); s.process.wait() }
        servers = [:]
    }

    /// One plain dial (untraced) to the tour's server.
    func dial(_ proto: Proto, port: UInt16, count: Int = 1) throws {
        let p = try HeldProcess(executable: exe, arguments: ["echo", "client", "--proto", proto.rawValue, "--to", "127.0.0.1:\(port)", "--count", String(count)],
                                role: "client", output: .discard)
        try p.release()
        _ = try waitExit(p, timeout: 30)
    }

    /// True when getaddrinfo("localhost") gives 127.0.0.1 (the servers listen there).
    public static func localhostResolves() -> Bool {
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var res: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo("localhost", nil, &hints, &res) == 0, let first = res else { return false }
        defer { freeaddrinfo(res) }
        return first.pointee.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
            $0.pointee.sin_addr.s_addr == inet_addr("127.0.0.1")
        }
    }
}

/// The article's sections, in its order.
public enum TourSection: String, CaseIterable, Codable, Sendable {
    case resolution, dialing, writing
    case clientRead = "client-read"
    case serverRead = "server-read"
    case udpServer = "udp-server"

    public var title: String {
        switch self {
        case .resolution: return "Address resolution"
        case .dialing: return "TCP dialing vs UDP dialing"
        case .writing: return "Writing to a UDP \"connection\""
        case .clientRead: return "Receiving in a client"
        case .serverRead: return "Receiving in a server"
        case .udpServer: return "The UDP server"
        }
    }

    /// Two or three sentences in kpath's words.
    public var explanation: String {
        switch self {
        case .resolution:
            return "Before any socket exists the client turns a name into an address. getaddrinfo(3) is a libc call, not a syscall: for \"localhost\" it reads /etc/nsswitch.conf and /etc/hosts (and may ask nscd or DNS), for a numeric address it makes no syscall at all. The protocol plays no part, so TCP and UDP resolve alike."
        case .dialing:
            return "Both dials are socket(2) then connect(2); only the socket type differs (SOCK_STREAM or SOCK_DGRAM). TCP's connect runs the three-way handshake inside the syscall: a SYN leaves from tcp_connect and connect returns once the SYN-ACK is answered. UDP's connect only records the peer (ip4_datagram_connect; udp_connect on 7.x) and nothing leaves."
        case .writing:
            return "A write(2) on a connected UDP socket goes through the VFS to the socket layer, then udp_sendmsg, udp_send_skb and ip_send_skb: the datagram is built and handed to the device before write returns."
        case .clientRead:
            return "A read(2) on the UDP socket waits in __skb_recv_udp until a datagram is queued, then copies it out through udp_recvmsg. With a deadline (SO_RCVTIMEO, what Go's SetReadDeadline amounts to here) a read that gets no answer fails with EAGAIN, which Go reports as \"i/o timeout\"."
        case .serverRead:
            return "A server does not know who will write to it, so it reads with recvfrom(2), which returns the sender's address with the data. In the kernel it is the same __skb_recv_udp, reached from __sys_recvfrom instead of read."
        case .udpServer:
            return "A UDP server has no listen(2) and no accept(2): one socket bound to the port, each recvfrom returning a datagram and its sender, each sendto answering that address. A TCP server instead accepts a new socket per connection and reads and writes that."
        }
    }
}

public struct TourStep: Codable, Sendable {
    public var section: String
    public var number: Int
    public var title: String
    public var explanation: String
    public var commands: [TourCommandRun]
    public var evidence: [String]
    public var claims: [Claim]
    /// Tracepoint mode: what this kernel cannot show here, and why.
    public var cannotShow: String?

    public init(section: String, number: Int, title: String, explanation: String, commands: [TourCommandRun], evidence: [String],
                claims: [Claim], cannotShow: String?) {
        self.section = section; self.number = number; self.title = title; self.explanation = explanation
        self.commands = commands; self.evidence = evidence; self.claims = claims; self.cannotShow = cannotShow
    }
}

public struct TourResult: Codable, Sendable {
    public var kernel: String
    public var backend: Backend
    public var mode: CompareMode
    public var modeReason: String?
    public var command: String
    public var steps: [TourStep]
    public var compare: CompareResult

    public init(kernel: String, backend: Backend, mode: CompareMode, modeReason: String?, command: String, steps: [TourStep], compare: CompareResult) {
        self.kernel = kernel; self.backend = backend; self.mode = mode; self.modeReason = modeReason
        self.command = command; self.steps = steps; self.compare = compare
    }
}

/// Picking what makes each step's point out of the typed results of the
/// commands it runs. Pure functions, tested in ReportsTests/TourTests.
public enum TourEvidence {
    /// What the tour's compare saw during each connect(2).
    public static func dialSummary(_ r: CompareResult) -> [String] {
        var o: [String] = []
        for run in r.runs {
            let ph = (r.mode == .functions ? run.phases : run.functionsOnStacks).first { $0.phase == .connect }
            let pk = run.packets.filter { $0.dial == 1 && $0.phase == .during(.connect) }
            let fns = r.mode == .functions ? "\(ph?.distinct ?? 0) functions, \(cFormat("%.0f", ph?.callsPerDial ?? 0)) calls per dial"
                                           : "\(ph?.distinct ?? 0) functions on stacks"
            o.append("\(run.proto.rawValue.uppercased()) connect(2): \(fns)")
            o.append("  packets of dial 1: " + (pk.isEmpty ? "none" : pk.map { "\($0.sender) \($0.flags)" }.joined(separator: ", ")))
        }
        return o
    }

    /// The files a resolution opened, in order (else its first calls).
    public static func brief(_ calls: [NamedCall]) -> String {
        var seen: [String] = []
        for c in calls where c.call == "openat" && c.name != "/" && !seen.contains(c.name) { seen.append(c.name) }
        return seen.isEmpty ? calls.prefix(6).map(\.description).joined(separator: ", ") : seen.joined(separator: ", ")
    }

    public static func cap<Line: ExpressibleByStringLiteral>(_ lines: [Line], _ n: Int) -> [Line] where Line.StringLiteralType == String {
        lines.count <= n ? lines : Array(lines.prefix(n)) + [Line(stringLiteral: "… (\(lines.count - n) more)")]
    }

    /// Quoted for a POSIX shell when it holds anything but safe characters.
    public static func shellQuote(_ s: String) -> String {
        let safe = s.allSatisfy { $0.isLetter || $0.isNumber || "-_./:=,@%+".contains($0) }
        return safe && !s.isEmpty ? s : "'" + s.replacing("'", with: "'\\''") + "'"
    }
}
