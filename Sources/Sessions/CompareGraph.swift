import Glibc
import KernelInfo
import Probes
import Workload

/// `kpath compare tcp udp --graph`: each protocol's dials traced by `kpath
/// graph` (default patterns; connect, write, read, close merged), and the
/// claim the trees show: TCP's connect transmits, UDP's does not.
public struct CompareGraphResult: Codable, Sendable {
    public var runs: [ProtocolGraph]
    public var claim: Claim
}

public struct ProtocolGraph: Codable, Sendable {
    public var proto: Proto
    public var graph: GraphResult
}

public enum CompareGraph {
    public static let syscalls = ["connect", "write", "read", "close"]

    public static func run(protocols: [Proto], count: Int, backend: Backend?, progress: (String) -> Void = { _ in }) throws -> CompareGraphResult {
        var runs: [ProtocolGraph] = []
        for proto in protocols {
            let port = try freeLoopbackPort(proto)
            progress("graph: \(proto.rawValue): \(count) dials to 127.0.0.1:\(port)...")
            let dir = try TempDir()
            let exe = HeldProcess.selfExecutable
            let server = try HeldProcess(executable: exe, arguments: ["echo", "server", "--proto", proto.rawValue, "--listen", "127.0.0.1:\(port)"],
                                         role: "server", output: .file(dir.path + "/server.log"))
            defer { server.terminate(signal: SIGTERM); _ = try? waitExit(server, timeout: 10) }
            try server.release()
            try waitForLine(dir.path + "/server.log", containing: "listening", timeout: 10, process: server)
            var o = GraphSession.Options()
            o.command = [exe, "echo", "client", "--proto", proto.rawValue, "--to", "127.0.0.1:\(port)", "--count", String(count)]
            o.commandOutput = .file(dir.path + "/client.log")
            o.syscalls = syscalls
            o.backend = backend
            let session = try GraphSession(o)
            try session.releaseCommand()
            while !Interrupt.requested {
                session.poll(timeoutMs: 100)
                if let c = session.child, !c.isRunning { _ = c.wait(); break }
            }
            if Interrupt.requested { throw Cancelled() }
            runs.append(ProtocolGraph(proto: proto, graph: session.finish(merge: true)))
        }
        return CompareGraphResult(runs: runs, claim: connectTreeClaim(runs))
    }

    /// `tcp-connect-tree`: TCP's connect runs tcp_v4_connect > tcp_connect >
    /// __tcp_transmit_skb (each below the one before, in the thread's own
    /// calls); UDP's connect runs ip4_datagram_connect (udp_connect on 7.x)
    /// and nothing below it transmits.
    public static func connectTreeClaim(_ runs: [ProtocolGraph]) -> Claim {
        func merged(_ p: Proto) -> [MergedSyscall] { runs.first { $0.proto == p }?.graph.merged ?? [] }
        return connectTreeClaim(tcp: merged(.tcp), udp: merged(.udp))
    }

    /// The same, from each protocol's merged syscalls.
    public static func connectTreeClaim(tcp tcpMerged: [MergedSyscall], udp udpMerged: [MergedSyscall]) -> Claim {
        let title = "TCP's connect runs tcp_v4_connect > tcp_connect > __tcp_transmit_skb; UDP's connect runs ip4_datagram_connect and transmits nothing"
        guard let tcp = tcpMerged.first(where: { $0.name == "connect" })?.calls,
              let udp = udpMerged.first(where: { $0.name == "connect" })?.calls else {
            return Claim(id: "tcp-connect-tree", title: title, status: .unknown, evidence: "no connect tree for TCP or UDP")
        }
        let chain = ["tcp_v4_connect", "tcp_connect", "__tcp_transmit_skb"]
        let tcpHeld = hasChain(tcp, chain[...])
        let udpConnect = ["ip4_datagram_connect", "__ip4_datagram_connect", "udp_connect"]
        let transmit: Set<String> = ["__tcp_transmit_skb", "ip_output", "ip_send_skb", "ip_local_out", "__dev_queue_xmit", "dev_hard_start_xmit"]
        let udpNames = names(udp)
        let udpHas = udpConnect.filter { udpNames.contains($0) }
        let udpSent = udpNames.intersection(transmit).sorted()
        let held = tcpHeld && !udpHas.isEmpty && udpSent.isEmpty
        var ev = "TCP connect: " + (tcpHeld ? chain.joined(separator: " > ") + " nested" : "no nested " + chain.joined(separator: " > "))
        ev += "; UDP connect: " + (udpHas.isEmpty ? "none of \(udpConnect.joined(separator: ", "))" : udpHas.joined(separator: ", "))
        ev += udpSent.isEmpty ? ", nothing transmitted" : ", but transmits through \(udpSent.joined(separator: ", "))"
        return Claim(id: "tcp-connect-tree", title: title, status: held ? .held : .notHeld, evidence: ev)
    }

    /// Each name of `chain` below the previous one (task context), from any level.
    static func hasChain(_ nodes: [MergedNode], _ chain: ArraySlice<String>) -> Bool {
        guard let first = chain.first else { return true }
        for n in nodes where !n.irq {
            if n.function == first && hasChain(n.children, chain.dropFirst()) { return true }
            if hasChain(n.children, chain) { return true }
        }
        return false
    }

    static func names(_ nodes: [MergedNode]) -> Set<String> {
        var s = Set<String>()
        for n in nodes { s.insert(n.function); s.formUnion(names(n.children)) }
        return s
    }
}
