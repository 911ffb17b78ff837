import FoundationEssentials
import Glibc

/// A socket address a syscall named or filled in, decoded. This is kpath's
/// one sockaddr decoder: records keep its result (and JSON carries it), and
/// Reports' strace lines print from it.
public struct SocketAddress: Codable, Sendable, Equatable, CustomStringConvertible {
    /// sa_family, and its name (AF_INET, AF_INET6, AF_UNIX, AF_NETLINK, ...).
    public var family: Int
    public var familyName: String
    /// AF_INET/AF_INET6: the address as inet_ntop prints it, and the port (host order).
    public var ip: String?
    public var port: UInt16?
    /// AF_INET6 only.
    public var flowinfo: UInt32?
    public var scopeID: UInt32?
    /// AF_UNIX: the path; abstract names start with "@" (as strace and ss print them). Empty: unnamed.
    public var path: String?
    /// AF_NETLINK.
    public var netlinkPID: UInt32?
    public var netlinkGroups: UInt32?

    public init(family: Int, familyName: String, ip: String? = nil, port: UInt16? = nil, flowinfo: UInt32? = nil,
                scopeID: UInt32? = nil, path: String? = nil, netlinkPID: UInt32? = nil, netlinkGroups: UInt32? = nil) {
        self.family = family; self.familyName = familyName; self.ip = ip; self.port = port; self.flowinfo = flowinfo
        self.scopeID = scopeID; self.path = path; self.netlinkPID = netlinkPID; self.netlinkGroups = netlinkGroups
    }

    /// "127.0.0.1:7777", "[::1]:53", "/run/x.sock", "@abstract", "netlink:0".
    public var description: String {
        if let ip, let port { return family == Int(AF_INET6) ? "[\(ip)]:\(port)" : "\(ip):\(port)" }
        if let path { return path.isEmpty ? "unix:(unnamed)" : path }
        if let netlinkPID { return "netlink:\(netlinkPID)" }
        return familyName
    }

    /// sa_family of a struct sockaddr (host order); nil when too short to hold one.
    public static func family(_ bytes: [UInt8]) -> Int? {
        bytes.count >= 2 ? Int(bytes[0]) | Int(bytes[1]) << 8 : nil
    }

    /// Decodes a struct sockaddr of `bytes.count` bytes; nil when shorter than its family needs.
    public static func decode(_ bytes: [UInt8]) -> SocketAddress? {
        guard let family = family(bytes) else { return nil }
        var a = SocketAddress(family: family, familyName: familyName(family))
        switch Int32(family) {
        case AF_INET:
            guard bytes.count >= 8 else { return nil }
            a.port = be16(bytes, 2)
            a.ip = ntop(AF_INET, Array(bytes[4..<8]))
        case AF_INET6:
            guard bytes.count >= 24 else { return nil }
            a.port = be16(bytes, 2)
            a.flowinfo = be32(bytes, 4)
            a.ip = ntop(AF_INET6, Array(bytes[8..<24]))
            if bytes.count >= 28 { a.scopeID = le32(bytes, 24) }
        case AF_UNIX:
            let (abstract, name) = unixPath(bytes)
            a.path = (abstract ? "@" : "") + String(decoding: name, as: UTF8.self)
        case AF_NETLINK:
            guard bytes.count >= 12 else { return nil }
            a.netlinkPID = le32(bytes, 4)
            a.netlinkGroups = le32(bytes, 8)
        default:
            break
        }
        return a
    }

    /// An AF_UNIX sun_path as bytes (strace escapes them as they are):
    /// abstract names start with a NUL and run to the end, others stop at the first NUL.
    public static func unixPath(_ bytes: [UInt8]) -> (abstract: Bool, name: [UInt8]) {
        let rest = Array(bytes.dropFirst(2))
        if rest.first == 0 { return (true, Array(rest.dropFirst())) }
        return (false, Array(rest.prefix { $0 != 0 }))
    }

    static func ntop(_ af: Int32, _ raw: [UInt8]) -> String {
        var buf = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let ok = raw.withUnsafeBytes { inet_ntop(af, $0.baseAddress, &buf, socklen_t(buf.count)) } != nil
        return ok ? String(cString: buf) : "?"
    }

    /// AF_INET, AF_UNIX, ...; the number when unnamed.
    public static func familyName(_ f: Int) -> String { familyNames[f] ?? String(f) }

    static let familyNames: [Int: String] = [
        0: "AF_UNSPEC", 1: "AF_UNIX", 2: "AF_INET", 3: "AF_AX25", 4: "AF_IPX", 5: "AF_APPLETALK", 6: "AF_NETROM",
        7: "AF_BRIDGE", 8: "AF_ATMPVC", 9: "AF_X25", 10: "AF_INET6", 11: "AF_ROSE", 12: "AF_DECnet", 13: "AF_NETBEUI",
        14: "AF_SECURITY", 15: "AF_KEY", 16: "AF_NETLINK", 17: "AF_PACKET", 18: "AF_ASH", 19: "AF_ECONET",
        20: "AF_ATMSVC", 21: "AF_RDS", 22: "AF_SNA", 23: "AF_IRDA", 24: "AF_PPPOX", 25: "AF_WANPIPE", 26: "AF_LLC",
        27: "AF_IB", 28: "AF_MPLS", 29: "AF_CAN", 30: "AF_TIPC", 31: "AF_BLUETOOTH", 32: "AF_IUCV", 33: "AF_RXRPC",
        34: "AF_ISDN", 35: "AF_PHONET", 36: "AF_IEEE802154", 37: "AF_CAIF", 38: "AF_ALG", 39: "AF_NFC", 40: "AF_VSOCK",
        41: "AF_KCM", 42: "AF_QIPCRTR", 43: "AF_SMC", 44: "AF_XDP", 45: "AF_MCTP",
    ]
}

// Fixed-width fields of kernel structs, as the BPF side copied them.
func be16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) << 8 | UInt16(b[i + 1]) }
func be32(_ b: [UInt8], _ i: Int) -> UInt32 { UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3]) }
func le32(_ b: [UInt8], _ i: Int) -> UInt32 { UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24 }
func le64(_ b: [UInt8], _ i: Int) -> UInt64 { UInt64(le32(b, i)) | UInt64(le32(b, i + 4)) << 32 }
