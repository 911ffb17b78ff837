import KernelInfo

/// Claims for the protocols beyond the article's pair, each judged only when
/// its protocol was compared, from typed values (packets, phases, stacks).
public enum ProtocolClaims {
    public static let titles: [(id: String, title: String)] = [
        ("unix-connect-no-packet", "A Unix stream connect sends no packet and runs no tcp_* function"),
        ("tcp6-connect-path", "TCP over IPv6: connect reaches tcp_v6_connect and the same tcp_connect as IPv4"),
    ]

    public static func judge(runs: [ProtocolRun], mode: CompareMode, calls: [Proto: [SyscallRecord]] = [:]) -> [Claim] {
        var out: [Claim] = []
        func add(_ id: String, _ s: ClaimStatus, _ e: Evidence) {
            out.append(Claim(id: id, title: titles.first { $0.id == id }!.title, status: s, evidence: e))
        }
        if let unix = runs.first(where: { $0.proto == .unix }) {
            let (s, e) = unixConnect(unix, mode: mode, calls: calls[.unix])
            add("unix-connect-no-packet", s, Evidence(e))
        }
        if let tcp6 = runs.first(where: { $0.proto == .tcp6 }) {
            let (s, e) = tcp6Connect(tcp6, mode: mode)
            add("tcp6-connect-path", s, Evidence(e))
        }
        return out
    }

    static func unixConnect(_ run: ProtocolRun, mode: CompareMode, calls: [SyscallRecord]?) -> (ClaimStatus, String) {
        // Connects that returned 0, from the records when there are any.
        let connects: Int
        if let calls { connects = calls.filter { $0.name == "connect" && $0.ret == 0 }.count } else {
            connects = run.syscallNames.filter { $0 == "connect" }.count
        }
        if connects == 0 { return (.unknown, "no successful connect(2) of the Unix client was recorded") }
        let during = run.packets.filter { $0.phase == .during(.connect) }
        if !during.isEmpty {
            return (.notHeld, "\(during.count) packet(s) left during the Unix client's connect(2): first \(during[0].source) -> \(during[0].destination)")
        }
        let packets = "0 packets at net:net_dev_queue from the client's or server's tasks during \(connects) connect(2) calls (\(run.packets.count) in the whole run)"
        guard mode == .functions else {
            return (.unknown, packets + "; whether tcp_* functions ran needs kprobes or fentry (tracepoint mode)")
        }
        guard let phase = run.phase(.connect), !phase.functions.isEmpty else {
            return (.unknown, packets + "; no function was counted in connect (are the patterns too narrow?)")
        }
        let tcp = phase.functions.filter { $0.function.hasPrefix("tcp_") }
        if !tcp.isEmpty {
            return (.notHeld, packets + "; but tcp_* ran in connect: " + tcp.prefix(5).map { "\($0.function) \(Claims.fmt($0.perDial))/dial" }.joined(separator: ", "))
        }
        let ran = phase.functions.prefix(5).map { "\($0.function) \(Claims.fmt($0.perDial))" }.joined(separator: ", ")
        return (.held, packets + "; 0 tcp_* functions among the \(phase.distinct) counted in connect (\(ran))")
    }

    static func tcp6Connect(_ run: ProtocolRun, mode: CompareMode) -> (ClaimStatus, String) {
        let names = ["tcp_v6_connect", "tcp_connect"]
        if mode == .functions {
            guard let phase = run.phase(.connect), !phase.functions.isEmpty else {
                return (.unknown, "no function was counted in the tcp6 client's connect")
            }
            let hits = names.map { n in phase.functions.first { $0.function == n } }
            let v4 = phase.functions.first { $0.function == "tcp_v4_connect" }
            let counts = zip(names, hits).map { "\($0) \($1.map { Claims.fmt($0.perDial) } ?? "not called")/dial" }.joined(separator: ", ")
            let held = hits.allSatisfy { $0 != nil } && v4 == nil
            return (held ? .held : .notHeld, "in connect(2): \(counts); tcp_v4_connect \(v4.map { Claims.fmt($0.perDial) + "/dial" } ?? "not called")")
        }
        // Tracepoint mode: the SYN's stack at net:net_dev_queue, taken inside connect,
        // has tcp_connect under tcp_v6_connect (innermost first).
        let connectStacks = run.stacks.filter { $0.role == .client && $0.phase == .connect }
        if connectStacks.isEmpty { return (.unknown, "no kernel stack was taken during the tcp6 client's connect") }
        for s in connectStacks {
            if let c = s.functions.firstIndex(of: "tcp_connect"), let v6 = s.functions.firstIndex(of: "tcp_v6_connect"), c < v6 {
                return (.held, "at \(s.target) inside connect: \(Claims.brief(Array(s.functions[c...v6]), 12))")
            }
        }
        return (.notHeld, "\(connectStacks.count) stack(s) inside connect, none with tcp_connect under tcp_v6_connect (first: \(Claims.brief(connectStacks[0].functions)))")
    }
}
