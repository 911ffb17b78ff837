import Glibc

// What strace calls the kernel's constants: socket types, protocols, levels,
// options, flags and errnos.
extension StraceFormat {
    static let socketFlagNames: [(UInt64, String)] = [(0o2000000, "SOCK_CLOEXEC"), (0o4000, "SOCK_NONBLOCK")]

    /// `SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK`.
    public static func socketType(_ t: Int32) -> String {
        let types = [1: "SOCK_STREAM", 2: "SOCK_DGRAM", 3: "SOCK_RAW", 4: "SOCK_RDM", 5: "SOCK_SEQPACKET", 6: "SOCK_DCCP", 10: "SOCK_PACKET"]
        let base = Int(t & 0xf)
        var s = types[base] ?? String(base)
        let rest = UInt64(UInt32(bitPattern: t)) & ~0xf
        if rest != 0 { s += "|" + flags(rest, socketFlagNames) }
        return s
    }

    static func protocolName(domain: Int32, _ p: Int32) -> String {
        switch domain {
        case AF_INET, AF_INET6:
            let names: [Int32: String] = [0: "IPPROTO_IP", 1: "IPPROTO_ICMP", 2: "IPPROTO_IGMP", 4: "IPPROTO_IPIP", 6: "IPPROTO_TCP",
                                          17: "IPPROTO_UDP", 41: "IPPROTO_IPV6", 47: "IPPROTO_GRE", 58: "IPPROTO_ICMPV6",
                                          132: "IPPROTO_SCTP", 136: "IPPROTO_UDPLITE", 255: "IPPROTO_RAW", 262: "IPPROTO_MPTCP"]
            return names[p] ?? String(p)
        case AF_NETLINK:
            let names: [Int32: String] = [0: "NETLINK_ROUTE", 2: "NETLINK_USERSOCK", 4: "NETLINK_SOCK_DIAG", 6: "NETLINK_XFRM",
                                          9: "NETLINK_AUDIT", 12: "NETLINK_NETFILTER", 15: "NETLINK_KOBJECT_UEVENT", 16: "NETLINK_GENERIC"]
            return names[p] ?? String(p)
        default:
            return String(p)
        }
    }

    static func levelName(_ l: Int32) -> String {
        let names: [Int32: String] = [0: "SOL_IP", 1: "SOL_SOCKET", 6: "SOL_TCP", 17: "SOL_UDP", 41: "SOL_IPV6", 58: "SOL_ICMPV6",
                                      132: "SOL_SCTP", 136: "SOL_UDPLITE", 255: "SOL_RAW", 263: "SOL_PACKET", 270: "SOL_NETLINK",
                                      282: "SOL_TLS", 284: "SOL_MPTCP"]
        return names[l] ?? String(l)
    }

    static func optionName(level: Int32, _ o: Int32) -> String {
        let table: [Int32: String]
        switch level {
        case 1: table = [1: "SO_DEBUG", 2: "SO_REUSEADDR", 3: "SO_TYPE", 4: "SO_ERROR", 5: "SO_DONTROUTE", 6: "SO_BROADCAST",
                         7: "SO_SNDBUF", 8: "SO_RCVBUF", 9: "SO_KEEPALIVE", 10: "SO_OOBINLINE", 11: "SO_NO_CHECK",
                         12: "SO_PRIORITY", 13: "SO_LINGER", 14: "SO_BSDCOMPAT", 15: "SO_REUSEPORT", 16: "SO_PASSCRED",
                         17: "SO_PEERCRED", 18: "SO_RCVLOWAT", 19: "SO_SNDLOWAT", 20: "SO_RCVTIMEO", 21: "SO_SNDTIMEO",
                         25: "SO_BINDTODEVICE", 29: "SO_TIMESTAMP", 30: "SO_ACCEPTCONN", 32: "SO_SNDBUFFORCE",
                         33: "SO_RCVBUFFORCE", 36: "SO_MARK", 38: "SO_PROTOCOL", 39: "SO_DOMAIN", 46: "SO_BUSY_POLL",
                         47: "SO_MAX_PACING_RATE", 49: "SO_INCOMING_CPU", 66: "SO_RCVTIMEO_NEW", 67: "SO_SNDTIMEO_NEW"]
        case 6: table = [1: "TCP_NODELAY", 2: "TCP_MAXSEG", 3: "TCP_CORK", 4: "TCP_KEEPIDLE", 5: "TCP_KEEPINTVL",
                         6: "TCP_KEEPCNT", 7: "TCP_SYNCNT", 8: "TCP_LINGER2", 9: "TCP_DEFER_ACCEPT", 10: "TCP_WINDOW_CLAMP",
                         11: "TCP_INFO", 12: "TCP_QUICKACK", 13: "TCP_CONGESTION", 14: "TCP_MD5SIG", 18: "TCP_USER_TIMEOUT",
                         19: "TCP_REPAIR", 23: "TCP_FASTOPEN", 30: "TCP_FASTOPEN_CONNECT", 31: "TCP_ULP", 33: "TCP_FASTOPEN_NO_COOKIE"]
        case 0: table = [1: "IP_TOS", 2: "IP_TTL", 3: "IP_HDRINCL", 4: "IP_OPTIONS", 8: "IP_PKTINFO", 10: "IP_MTU_DISCOVER",
                         11: "IP_RECVERR", 12: "IP_RECVTTL", 13: "IP_RECVTOS", 14: "IP_MTU", 15: "IP_FREEBIND",
                         19: "IP_TRANSPARENT", 24: "IP_BIND_ADDRESS_NO_PORT", 32: "IP_MULTICAST_IF", 33: "IP_MULTICAST_TTL",
                         34: "IP_MULTICAST_LOOP", 35: "IP_ADD_MEMBERSHIP", 36: "IP_DROP_MEMBERSHIP"]
        case 41: table = [16: "IPV6_UNICAST_HOPS", 17: "IPV6_MULTICAST_IF", 18: "IPV6_MULTICAST_HOPS", 19: "IPV6_MULTICAST_LOOP",
                          20: "IPV6_JOIN_GROUP", 23: "IPV6_MTU_DISCOVER", 24: "IPV6_MTU", 25: "IPV6_RECVERR", 26: "IPV6_V6ONLY",
                          49: "IPV6_RECVPKTINFO", 67: "IPV6_TCLASS"]
        case 17: table = [1: "UDP_CORK", 100: "UDP_ENCAP", 101: "UDP_NO_CHECK6_TX", 102: "UDP_NO_CHECK6_RX", 103: "UDP_SEGMENT", 104: "UDP_GRO"]
        default: table = [:]
        }
        return table[o] ?? String(o)
    }

    static let msgFlagNames: [(UInt64, String)] = [
        (0x1, "MSG_OOB"), (0x2, "MSG_PEEK"), (0x4, "MSG_DONTROUTE"), (0x8, "MSG_CTRUNC"), (0x10, "MSG_PROXY"),
        (0x20, "MSG_TRUNC"), (0x40, "MSG_DONTWAIT"), (0x80, "MSG_EOR"), (0x100, "MSG_WAITALL"), (0x200, "MSG_FIN"),
        (0x400, "MSG_SYN"), (0x800, "MSG_CONFIRM"), (0x1000, "MSG_RST"), (0x2000, "MSG_ERRQUEUE"),
        (0x4000, "MSG_NOSIGNAL"), (0x8000, "MSG_MORE"), (0x10000, "MSG_WAITFORONE"), (0x40000, "MSG_BATCH"),
        (0x4000000, "MSG_ZEROCOPY"), (0x20000000, "MSG_FASTOPEN"), (0x40000000, "MSG_CMSG_CLOEXEC"),
    ]

    /// `A|B|0x...`, or `0`.
    static func flags(_ v: UInt64, _ names: [(UInt64, String)]) -> String {
        if v == 0 { return "0" }
        var parts: [String] = []
        var rest = v
        for (bit, name) in names where v & bit == bit {
            parts.append(name)
            rest &= ~bit
        }
        if rest != 0 { parts.append(hex(rest)) }
        return parts.joined(separator: "|")
    }

    /// ENOENT, ECONNREFUSED, ...; `errno N` when unnamed.
    public static func errnoName(_ e: Int32) -> String {
        if let (name, _) = restartErrors[e] { return name }
        return e > 0 && Int(e) < errnoNames.count && !errnoNames[Int(e)].isEmpty ? errnoNames[Int(e)] : "errno \(e)"
    }

    static let restartErrors: [Int32: (String, String)] = [
        512: ("ERESTARTSYS", "To be restarted if SA_RESTART is set"),
        513: ("ERESTARTNOINTR", "To be restarted"),
        514: ("ERESTARTNOHAND", "To be restarted if no handler"),
        516: ("ERESTART_RESTARTBLOCK", "Interrupted by signal"),
    ]

    /// Linux errno names from 1 (asm-generic/errno-base.h, errno.h); "-": unused number.
    static let errnoNames: [String] = [""] + """
        EPERM ENOENT ESRCH EINTR EIO ENXIO E2BIG ENOEXEC EBADF ECHILD EAGAIN ENOMEM EACCES EFAULT ENOTBLK EBUSY
        EEXIST EXDEV ENODEV ENOTDIR EISDIR EINVAL ENFILE EMFILE ENOTTY ETXTBSY EFBIG ENOSPC ESPIPE EROFS EMLINK
        EPIPE EDOM ERANGE EDEADLK ENAMETOOLONG ENOLCK ENOSYS ENOTEMPTY ELOOP - ENOMSG EIDRM ECHRNG EL2NSYNC
        EL3HLT EL3RST ELNRNG EUNATCH ENOCSI EL2HLT EBADE EBADR EXFULL ENOANO EBADRQC EBADSLT - EBFONT ENOSTR
        ENODATA ETIME ENOSR ENONET ENOPKG EREMOTE ENOLINK EADV ESRMNT ECOMM EPROTO EMULTIHOP EDOTDOT EBADMSG
        EOVERFLOW ENOTUNIQ EBADFD EREMCHG ELIBACC ELIBBAD ELIBSCN ELIBMAX ELIBEXEC EILSEQ ERESTART ESTRPIPE
        EUSERS ENOTSOCK EDESTADDRREQ EMSGSIZE EPROTOTYPE ENOPROTOOPT EPROTONOSUPPORT ESOCKTNOSUPPORT EOPNOTSUPP
        EPFNOSUPPORT EAFNOSUPPORT EADDRINUSE EADDRNOTAVAIL ENETDOWN ENETUNREACH ENETRESET ECONNABORTED
        ECONNRESET ENOBUFS EISCONN ENOTCONN ESHUTDOWN ETOOMANYREFS ETIMEDOUT ECONNREFUSED EHOSTDOWN EHOSTUNREACH
        EALREADY EINPROGRESS ESTALE EUCLEAN ENOTNAM ENAVAIL EISNAM EREMOTEIO EDQUOT ENOMEDIUM EMEDIUMTYPE
        ECANCELED ENOKEY EKEYEXPIRED EKEYREVOKED EKEYREJECTED EOWNERDEAD ENOTRECOVERABLE ERFKILL EHWPOISON
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { $0 == "-" ? "" : String($0) }
}
