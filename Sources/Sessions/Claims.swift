import KernelInfo
import FoundationEssentials

/// The article's claims, judged from the values of a compare run. A claim is
/// "held" only with evidence in hand; where this kernel or mode cannot show
/// it, it is "unknown" and says why.
public enum Claims {
    public static let titles: [(String, String)] = [
        ("same-resolution", "Resolving the address makes the same syscalls for TCP and UDP"),
        ("both-connect", "Both dials call connect(2)"),
        ("socket-types", "TCP asks for SOCK_STREAM, UDP for SOCK_DGRAM"),
        ("tcp-connect-many-functions", "TCP's connect runs many more tcp_* functions than UDP's connect runs udp_*"),
        ("tcp-connect-transmits", "TCP's connect transmits: a packet leaves, tcp_transmit_skb under tcp_v4_connect"),
        ("udp-connect-no-transmit", "Nothing leaves during UDP's connect; ip4_datagram_connect (udp_connect on 7.x) only records the peer"),
        ("tcp-handshake-packets", "TCP: SYN, SYN-ACK, ACK in connect, FIN in close; UDP: no packet before the first write"),
        ("udp-write-path", "UDP write: ip_send_skb under udp_sendmsg under inet_sendmsg/sock_sendmsg under write"),
        ("udp-read-path", "UDP read: __skb_recv_udp under udp_recvmsg under inet_recvmsg/sock_recvmsg under read"),
        ("udp-recvfrom-path", "The server's recvfrom reaches __skb_recv_udp"),
        ("read-deadline", "A client read with a deadline and no reply ends in \"i/o timeout\""),
    ]

    /// What the read-deadline probe saw: a UDP client against a socket that never answers.
    public struct DeadlineProbe: Sendable {
        public var output: [String]
        public var exitStatus: Int32
        /// Its syscalls: what the claim judges and quotes.
        public var calls: [SyscallRecord]
        public init(output: [String], exitStatus: Int32, calls: [SyscallRecord] = []) {
            self.output = output; self.exitStatus = exitStatus; self.calls = calls
        }
    }

    /// x86-64 values the claims test records for (include/uapi/asm-generic/socket.h, errno-base.h).
    static let sockStream: UInt64 = 1, sockDgram: UInt64 = 2, solSocket: UInt64 = 1, soRcvtimeo: UInt64 = 20, eagain: Int64 = 11
    static let socketTypeNames: [UInt64: String] = [1: "SOCK_STREAM", 2: "SOCK_DGRAM", 3: "SOCK_RAW", 5: "SOCK_SEQPACKET"]

    /// `kernel`: the line this kernel belongs to (KernelNames); functions are
    /// accepted by role under any line's name, and the evidence names the one found.
    /// `calls`: each client's syscalls as records (all of them: `ProtocolRun.syscalls`
    /// is capped); the claims judge the records and quote them (Evidence).
    public static func judge(tcp: ProtocolRun, udp: ProtocolRun, mode: CompareMode, deadline: DeadlineProbe?,
                             kernel: KernelLine? = nil, calls: [Proto: [SyscallRecord]] = [:]) -> [Claim] {
        var out: [Claim] = []
        func add(_ id: String, _ s: ClaimStatus, _ e: Evidence) {
            out.append(Claim(id: id, title: titles.first { $0.0 == id }!.1, status: s, evidence: e))
        }
        let fnMode = mode == .functions

        // same-resolution: the syscalls between dials (getaddrinfo's work).
        if let tr = resolutionSyscalls(calls[.tcp] ?? []), let ur = resolutionSyscalls(calls[.udp] ?? []) {
          if tr == ur {
            add("same-resolution", .held, tr.isEmpty
                ? "getaddrinfo(\"127.0.0.1\") made no syscall for either protocol: a numeric address needs no lookup"
                : "both made the same \(tr.count) syscalls between dials: \(tr.joined(separator: ", "))")
        } else {
            add("same-resolution", .notHeld, "TCP: \(tr.joined(separator: ",")); UDP: \(ur.joined(separator: ","))")
          }
        } else {
            add("same-resolution", .unknown, "needs at least 2 dials with their syscalls recorded (resolution is what runs between one dial's close and the next socket)")
        }

        // both-connect
        let tc = tcp.syscallNames.filter { $0 == "connect" }.count, uc = udp.syscallNames.filter { $0 == "connect" }.count
        if tcp.syscallNames.isEmpty || udp.syscallNames.isEmpty {
            add("both-connect", .unknown, "no syscall record of the clients")
        } else {
            add("both-connect", tc >= tcp.dials && uc >= udp.dials ? .held : .notHeld,
                "connect(2) calls: TCP \(tc) for \(tcp.dials) dials, UDP \(uc) for \(udp.dials) dials")
        }

        // socket-types
        // The type argument without SOCK_NONBLOCK/SOCK_CLOEXEC; the evidence quotes the strace line.
        func firstSocket(_ run: ProtocolRun) -> (type: UInt64, quote: SyscallRecord)? {
            guard let rs = calls[run.proto], let r = rs.first(where: { $0.name == "socket" }) else { return nil }
            return (r.arg(1) & 0xf, r)
        }
        if let ts = firstSocket(tcp), let us = firstSocket(udp) {
            let ok = ts.type == sockStream && us.type == sockDgram
            add("socket-types", ok ? .held : .notHeld, "TCP: \(ts.quote) / UDP: \(us.quote)")
        } else {
            add("socket-types", .unknown, "no socket() call recorded")
        }

        // tcp-connect-many-functions
        if fnMode, let tph = tcp.phase(.connect), let uph = udp.phase(.connect) {
            let t = tph.functions.filter { $0.function.hasPrefix("tcp_") }.count
            let u = uph.functions.filter { $0.function.hasPrefix("udp_") }.count
            add("tcp-connect-many-functions", t > 2 * max(u, 1) ? .held : .notHeld,
                "distinct functions in connect(2): \(t) tcp_* for TCP, \(u) udp_* for UDP (all patterns: \(tph.distinct) vs \(uph.distinct))")
        } else {
            add("tcp-connect-many-functions", .unknown, fnMode ? "no connect phase recorded"
                : "function counts need kprobes or fentry, which this kernel refuses (tracepoint mode)")
        }

        // tcp-connect-transmits
        let tcpConnectPackets = tcp.packets.filter { $0.phase == .during(.connect) && $0.sender == .client }
        let txTargets = FunctionRole.tcpTransmit.allNames + ["net_dev_queue"]
        let txRoles: [FunctionRole] = [.tcpTransmit, .tcpConnect, .tcpV4Connect]
        let txStack = tcp.stacks.first { s in txTargets.contains(where: { s.target.contains($0) }) && s.phase == .connect
            && chain(s.functions, txRoles) != nil }
        if !tcpConnectPackets.isEmpty, let txStack {
            add("tcp-connect-transmits", .held, "\(tcpConnectPackets.count) packet(s) left during connect (first: \(tcpConnectPackets[0].flags)); stack at \(txStack.target): \(brief(txStack.functions)); found \(found(chain(txStack.functions, txRoles)!, txRoles))")
        } else if tcpConnectPackets.isEmpty {
            add("tcp-connect-transmits", .notHeld, "no packet left during TCP's connect")
        } else {
            add("tcp-connect-transmits", .notHeld, "packets left but no stack showed tcp_transmit_skb under tcp_v4_connect")
        }

        // udp-connect-no-transmit
        let udpConnectPackets = udp.packets.filter { $0.phase == .during(.connect) }
        // by role: ip4_datagram_connect up to 6.12, udp_connect -> __ip4_datagram_connect on 7.x
        let connectFns = udp.phase(.connect)?.functions ?? []
        let dgramName = FunctionRole.udpConnect.found(in: connectFns.map(\.function), on: kernel)
        let dgram = connectFns.first { $0.function == dgramName }
        if !udpConnectPackets.isEmpty {
            add("udp-connect-no-transmit", .notHeld, "\(udpConnectPackets.count) packet(s) left during UDP's connect")
        } else if uc == 0 {
            add("udp-connect-no-transmit", .unknown, "no UDP connect(2) recorded")
        } else if fnMode {
            if let d = dgram {
                add("udp-connect-no-transmit", .held, "0 packets during \(uc) connect(2) calls; \(FunctionRole.udpConnect.described(d.function)) ran \(fmt(d.perDial)) per dial")
            } else {
                add("udp-connect-no-transmit", .notHeld, "0 packets, but no function recording the peer (\(FunctionRole.udpConnect.names(on: kernel).joined(separator: ", "))) was seen in connect (is it in the patterns?)")
            }
        } else {
            add("udp-connect-no-transmit", .held, "0 packets left during \(uc) UDP connect(2) calls (ip4_datagram_connect itself needs kprobes to be seen)")
        }

        // tcp-handshake-packets
        let d1 = tcp.packets.filter { $0.dial == 1 }
        let connectFlags = d1.filter { $0.phase == .during(.connect) }.map(\.flags)
        let closeFlags = d1.filter { $0.phase == .during(.close) }.map(\.flags)
        let udpEarly = udp.packets.filter { [.during(.socket), .during(.connect)].contains($0.phase) }
        let hs = connectFlags.contains([.syn]) && connectFlags.contains([.syn, .ack]) && connectFlags.contains([.ack])
        // The client's FIN must follow the data exchange. It normally leaves inside close(2); a
        // kernel may defer it (TCP small queues) until after close returned: say which.
        let lastData = d1.lastIndex { $0.flags.contains(.psh) } ?? -1
        let finIndex = d1.firstIndex { $0.sender == .client && $0.flags.contains(.fin) }
        let fin = finIndex.map { $0 > lastData } ?? false
        let finWhere = finIndex.map { d1[$0].phase == .during(.close) ? "inside close(2)" : "after close(2) returned (deferred" + (d1[$0].phase == .afterClose ? ")" : "; sent during the client's \(d1[$0].phase))") } ?? "no FIN seen"
        if tcp.packets.isEmpty {
            add("tcp-handshake-packets", .unknown, "no packet recorded")
        } else {
            add("tcp-handshake-packets", hs && fin && udpEarly.isEmpty ? .held : .notHeld,
                "TCP dial 1 connect: \(connectFlags.map(\.description).joined(separator: " ")); close: \(closeFlags.map(\.description).joined(separator: " ")); client FIN \(finWhere); UDP packets before the first write: \(udpEarly.count)")
        }

        // udp-write-path
        let writeChain: [FunctionRole] = [.udpSendSkb, .udpSendmsg, .sockSendmsg, .writeSyscall]
        if let s = udp.stacks.first(where: { $0.role == .client && $0.phase == .send && chain($0.functions, writeChain) != nil }) {
            add("udp-write-path", .held, "at \(s.target): \(brief(s.functions)); found \(found(chain(s.functions, writeChain)!, writeChain))")
        } else {
            add("udp-write-path", udp.stacks.isEmpty ? .unknown : .notHeld, "no client write stack showed ip_send_skb under udp_sendmsg under write")
        }

        // udp-read-path
        let readChain: [FunctionRole] = [.udpDequeue, .udpRecvmsg, .sockRecvmsg, .readSyscall]
        if let s = udp.stacks.first(where: { $0.role == .client && $0.phase == .recv && chain($0.functions, readChain) != nil }) {
            add("udp-read-path", .held, "at \(s.target): \(brief(s.functions)); found \(found(chain(s.functions, readChain)!, readChain))")
        } else if !fnMode {
            let seen = udp.stacks.first { $0.role == .client && $0.phase == .recv && FunctionRole.udpRecvmsg.found(in: $0.functions, on: kernel) != nil }
            add("udp-read-path", .unknown, "__skb_recv_udp has no tracepoint; needs kprobes"
                + (seen.map { ". Seen at \($0.target): \(brief($0.functions))" } ?? ""))
        } else {
            add("udp-read-path", .notHeld, "no client read stack showed __skb_recv_udp under udp_recvmsg under read")
        }

        // udp-recvfrom-path
        let recvfromChain: [FunctionRole] = [.udpDequeue, .recvfromSyscall]
        if let s = udp.stacks.first(where: { $0.role == .server && chain($0.functions, recvfromChain) != nil }) {
            add("udp-recvfrom-path", .held, "server at \(s.target): \(brief(s.functions)); found \(found(chain(s.functions, recvfromChain)!, recvfromChain))")
        } else {
            add("udp-recvfrom-path", fnMode ? .notHeld : .unknown,
                fnMode ? "no server stack at __skb_recv_udp under recvfrom" : "__skb_recv_udp has no tracepoint; needs kprobes")
        }

        // read-deadline
        if let d = deadline {
            let line = d.output.first { $0.contains("i/o timeout") }
            if let line, d.exitStatus != 0 {
                // The deadline set (setsockopt SOL_SOCKET SO_RCVTIMEO) and the read it ended (-EAGAIN).
                let at = d.calls.indices.filter { i in
                    let r = d.calls[i]
                    return (r.name == "setsockopt" && r.arg(1) == solSocket && r.arg(2) == soRcvtimeo)
                        || (r.name == "read" && r.ret == -eagain)
                }
                var e = Evidence(line)
                for (n, i) in at.prefix(2).enumerated() { e = e + (n == 0 ? " — \(d.calls[i])" : "; \(d.calls[i])") }
                add("read-deadline", .held, e)
            } else {
                add("read-deadline", .notHeld, "client said: \(d.output.joined(separator: " / ")) (exit \(d.exitStatus))")
            }
        } else {
            add("read-deadline", .unknown, "the deadline probe did not run")
        }
        return out
    }

    /// The syscalls that resolve the address: those between dial 1's close()
    /// and dial 2's socket(), less the client's own output (write to fd 1 or 2).
    static func resolutionSyscalls(_ calls: [SyscallRecord]) -> [String]? {
        guard let s1 = calls.firstIndex(where: { $0.name == "socket" }),
              let c1 = calls[s1...].firstIndex(where: { $0.name == "close" }),
              let s2 = calls[(c1 + 1)...].firstIndex(where: { $0.name == "socket" }) else { return nil }
        return calls[(c1 + 1)..<s2]
            .filter { !($0.name == "write" && [1, 2].contains($0.arg(0))) }
            .map(\.name)
    }

    /// The names filling each role in order along `functions` (innermost first,
    /// each further out), by any kernel line's name; nil when a role is missing.
    public static func chain(_ functions: [String], _ roles: [FunctionRole]) -> [String]? {
        var from = 0
        var out: [String] = []
        for r in roles {
            let names = r.allNames
            guard let i = functions[from...].firstIndex(where: { names.contains($0) }) else { return nil }
            out.append(functions[i])
            from = i
        }
        return out
    }

    /// "found __tcp_transmit_skb (the article's tcp_transmit_skb), tcp_connect, ..."
    static func found(_ names: [String], _ roles: [FunctionRole]) -> String {
        zip(names, roles).map { $1.described($0) }.joined(separator: ", ")
    }

    static func brief(_ fns: [String], _ n: Int = 7) -> String {
        fns.prefix(n).joined(separator: " <- ")
    }

    static func fmt(_ d: Double) -> String { cFormat("%.2f", d) }
}
