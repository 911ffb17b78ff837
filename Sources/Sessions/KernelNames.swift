/// The kernels kpath is checked on, and the article's own (2018, a 4.x kernel).
public enum KernelLine: String, CaseIterable, Codable, Sendable, Comparable {
    case v4 = "4.x"
    case v5_10 = "5.10"
    case v6_1 = "6.1"
    case v6_12 = "6.12"
    case v7_3 = "7.3"

    /// The line a `uname -r` belongs to ("5.10.0-46-amd64", "7.3.4+deb13-amd64");
    /// nil for a kernel between or beyond them (claims then accept every line's names).
    public init?(release: String) {
        let parts = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        guard parts.count == 2 else { return nil }
        switch (parts[0], parts[1]) {
        case (4, _): self = .v4
        case (5, 10): self = .v5_10
        case (6, 1): self = .v6_1
        case (6, 12): self = .v6_12
        case (7, 3): self = .v7_3
        default: return nil
        }
    }

    public static func < (a: KernelLine, b: KernelLine) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// A part the article names, by the work it does: the name changes from one
/// kernel to the next (renamed, inlined, split), the role does not. Claims,
/// the tour and the reports look functions up by role.
public enum FunctionRole: String, CaseIterable, Codable, Sendable {
    /// Builds and sends one TCP segment.
    case tcpTransmit = "tcp-transmit"
    /// Starts the handshake: sends the SYN.
    case tcpConnect = "tcp-connect"
    /// TCP over IPv4's connect: route, port, then tcp_connect.
    case tcpV4Connect = "tcp-v4-connect"
    /// A UDP connect: records the peer (and picks a route), sends nothing.
    case udpConnect = "udp-connect"
    /// The body of connect(2) under the syscall entry.
    case connectSyscall = "connect-syscall"
    /// Hands a built UDP datagram to IP.
    case udpSendSkb = "udp-send-skb"
    /// UDP's sendmsg: builds the datagram.
    case udpSendmsg = "udp-sendmsg"
    /// The socket layer's send: from a write(2) or sendto(2) to the protocol.
    case sockSendmsg = "sock-sendmsg"
    /// The write(2)/sendto(2) body.
    case writeSyscall = "write-syscall"
    /// Takes a datagram off the receive queue (waits for one).
    case udpDequeue = "udp-dequeue"
    /// UDP's recvmsg: dequeues and copies out.
    case udpRecvmsg = "udp-recvmsg"
    /// The socket layer's receive: from a read(2) or recvfrom(2) to the protocol.
    case sockRecvmsg = "sock-recvmsg"
    /// The read(2) body.
    case readSyscall = "read-syscall"
    /// The recvfrom(2) body.
    case recvfromSyscall = "recvfrom-syscall"

    /// What the article calls it.
    public var article: String { Self.table[self]![.v4]![0] }

    /// The traceable names on `kernel`, the one on the path first; nil
    /// kernel: every line's names, newest first (then the article's).
    public func names(on kernel: KernelLine?) -> [String] {
        let rows = Self.table[self]!
        if let kernel { return rows[kernel]! }
        var out: [String] = []
        for k in KernelLine.allCases.reversed() { for n in rows[k]! where !out.contains(n) { out.append(n) } }
        return out
    }

    /// Every name of the role on any line: what a claim accepts, so that a
    /// kernel between the lines (5.15, 6.6) is judged by role too.
    public var allNames: [String] { names(on: nil) }

    /// The first of this role's names among `functions` (this kernel's first).
    public func found(in functions: [String], on kernel: KernelLine?) -> String? {
        let set = Set(functions)
        return (names(on: kernel) + allNames).first { set.contains($0) }
    }

    /// "udp_connect (the article's ip4_datagram_connect)", or the name alone
    /// when the article's kernel had it too.
    public func described(_ name: String) -> String {
        Self.table[self]![.v4]!.contains(name) ? name : "\(name) (the article's \(article))"
    }

    /// Names per kernel line; the v4 row's first name is the article's.
    static let table: [FunctionRole: [KernelLine: [String]]] = [
        // tcp_transmit_skb became a wrapper of __tcp_transmit_skb (4.x) and is inlined since.
        .tcpTransmit: same(["tcp_transmit_skb"], modern: ["__tcp_transmit_skb"]),
        .tcpConnect: same(["tcp_connect"], modern: ["tcp_connect"]),
        .tcpV4Connect: same(["tcp_v4_connect"], modern: ["tcp_v4_connect"]),
        // 7.x: inet_dgram_connect -> udp_connect -> __ip4_datagram_connect; ip4_datagram_connect is off the path.
        .udpConnect: same(["ip4_datagram_connect", "ip6_datagram_connect"],
                          modern: ["ip4_datagram_connect", "ip6_datagram_connect"],
                          v7: ["udp_connect", "__ip4_datagram_connect", "ip6_datagram_connect"]),
        // 4.17 reworked syscall wrappers: SYSC_connect became __sys_connect under __x64_sys_connect.
        .connectSyscall: same(["SYSC_connect", "sys_connect"],
                              modern: ["__sys_connect", "__x64_sys_connect", "__do_sys_connect", "__se_sys_connect"]),
        .udpSendSkb: same(["ip_send_skb"], modern: ["ip_send_skb"]),
        .udpSendmsg: same(["udp_sendmsg", "udp_send_skb"], modern: ["udp_sendmsg", "udp_send_skb"]),
        .sockSendmsg: same(["sock_sendmsg", "inet_sendmsg", "sock_write_iter"],
                           modern: ["inet_sendmsg", "sock_sendmsg", "__sock_sendmsg", "sock_write_iter"]),
        .writeSyscall: same(["SYSC_write", "sys_write", "vfs_write", "__vfs_write", "SYSC_sendto"],
                            modern: ["ksys_write", "vfs_write", "__x64_sys_write", "__sys_sendto"]),
        .udpDequeue: same(["__skb_recv_udp"], modern: ["__skb_recv_udp"]),
        .udpRecvmsg: same(["udp_recvmsg"], modern: ["udp_recvmsg"]),
        // inet_rcvmsg/sock_rcvmsg in the article; sock_read_iter is where read(2) enters the socket.
        .sockRecvmsg: same(["inet_rcvmsg", "sock_rcvmsg", "sock_read_iter"],
                           modern: ["inet_recvmsg", "sock_recvmsg", "sock_read_iter"]),
        // __vfs_read/new_sync_read are gone from the path: vfs_read calls sock_read_iter.
        .readSyscall: same(["SYSC_read", "sys_read", "vfs_read", "__vfs_read", "new_sync_read"],
                           modern: ["ksys_read", "vfs_read", "__x64_sys_read"]),
        .recvfromSyscall: same(["SYSC_recvfrom", "sys_recvfrom"], modern: ["__sys_recvfrom", "__x64_sys_recvfrom"]),
    ]

    /// The article's names on 4.x, `modern` on 5.10 to 6.12, and `v7` (default `modern`) on 7.3.
    private static func same(_ article: [String], modern: [String], v7: [String]? = nil) -> [KernelLine: [String]] {
        [.v4: article, .v5_10: modern, .v6_1: modern, .v6_12: modern, .v7_3: v7 ?? modern]
    }
}

extension FunctionRole {
    /// The table as docs/kernels.md shows it (a unit test keeps the two equal):
    /// one row per role, a column per kernel line, the names on each.
    public static func markdownTable() -> String {
        let lines = KernelLine.allCases
        var s = "| role | " + lines.map { $0 == .v4 ? "the article (4.x)" : $0.rawValue }.joined(separator: " | ") + " |\n"
        s += "|---" + String(repeating: "|---", count: lines.count) + "|\n"
        for r in allCases {
            s += "| \(r.rawValue) | " + lines.map { k in r.names(on: k).map { "`\($0)`" }.joined(separator: ", ") }.joined(separator: " | ") + " |\n"
        }
        return s
    }
}
