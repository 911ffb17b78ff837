// rtnetlink in a few messages: what `ip link add type veth`, `ip addr add`,
// `ip link set up` and `tc qdisc add ... netem delay` send, written out here so
// that `compare --peer netns` needs no iproute2. Each call sends one request
// with NLM_F_ACK and waits for the kernel's answer (an nlmsgerr: 0 or -errno).
import Glibc

/// A failed rtnetlink request: what was asked and the kernel's errno.
public struct NetlinkError: Error, CustomStringConvertible, Equatable, Sendable {
    public var request: String
    public var errno: Int32
    public var description: String { "\(request): \(errnoText(errno))" }
}

/// One NETLINK_ROUTE socket, in the network namespace of the thread that opened it.
public final class RouteSocket {
    let fd: Int32
    private var sequence: UInt32 = 1

    public init() throws {
        fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | sockCloexec, 0 /* NETLINK_ROUTE */)
        guard fd >= 0 else { throw NetlinkError(request: "socket(AF_NETLINK)", errno: errno) }
    }

    deinit { close(fd) }

    // MARK: requests

    /// A veth pair: `name` here, `peer` created directly in the namespace `peerNamespace` (an fd of /proc/PID/ns/net).
    public func addVeth(name: String, peer: String, peerNamespace: Int32) throws {
        var peerInfo = Message.ifinfomsg()
        peerInfo.attribute(Attr.ifname, string: peer)
        peerInfo.attribute(Attr.netNsFd, uint32: UInt32(bitPattern: peerNamespace))
        var data = Message()
        data.attribute(Attr.vethInfoPeer, bytes: peerInfo.bytes)
        var info = Message()
        info.attribute(Attr.infoKind, string: "veth")
        info.attribute(Attr.infoData, bytes: data.bytes)
        var m = Message.ifinfomsg()
        m.attribute(Attr.ifname, string: name)
        m.attribute(Attr.linkinfo, bytes: info.bytes)
        try request(Kind.newLink, flags: Flags.create | Flags.excl, m, what: "create veth \(name)")
    }

    /// `ip link set dev INDEX up`.
    public func setUp(index: Int32, name: String) throws {
        let m = Message.ifinfomsg(index: index, flags: UInt32(IFF_UP), change: UInt32(IFF_UP))
        try request(Kind.setLink, flags: 0, m, what: "set \(name) up")
    }

    /// `ip addr add ADDRESS/PREFIX dev INDEX` (IPv6 with nodad: usable at once).
    public func addAddress(index: Int32, address: [UInt8], prefix: UInt8, name: String) throws {
        let v6 = address.count == 16
        var m = Message()
        m.bytes = [UInt8(v6 ? AF_INET6 : AF_INET), prefix, v6 ? 0x02 /* IFA_F_NODAD */ : 0, 0 /* universe */]
        m.append(UInt32(bitPattern: index))
        m.attribute(Attr.ifaLocal, bytes: address)
        m.attribute(Attr.ifaAddress, bytes: address)
        try request(Kind.newAddr, flags: Flags.create | Flags.excl, m, what: "add address to \(name)")
    }

    /// `tc qdisc add dev INDEX root netem delay NS`.
    public func addNetem(index: Int32, delayNs: UInt64, name: String) throws {
        var m = Message()
        m.bytes = [UInt8(AF_UNSPEC), 0, 0, 0]
        m.append(UInt32(bitPattern: index))
        m.append(UInt32(0))            // handle: the kernel picks one
        m.append(UInt32.max)           // parent: TC_H_ROOT
        m.append(UInt32(0))            // info
        var qopt = Message()
        // struct tc_netem_qopt: latency in psched ticks (64 ns), limit, loss, gap, duplicate, jitter.
        qopt.append(UInt32(min(delayNs >> 6, UInt64(UInt32.max))))
        qopt.append(UInt32(1000))
        for _ in 0..<4 { qopt.append(UInt32(0)) }
        m.attribute(Attr.tcaKind, string: "netem")
        m.attribute(Attr.tcaOptions, bytes: qopt.bytes)
        try request(Kind.newQdisc, flags: Flags.create | Flags.excl, m, what: "add netem qdisc to \(name)")
    }

    // MARK: wire

    func request(_ type: UInt16, flags: UInt16, _ body: Message, what: String) throws {
        let seq = sequence
        sequence += 1
        var m = Message()
        m.append(UInt32(16 + body.bytes.count))
        m.append(type)
        m.append(flags | Flags.request | Flags.ack)
        m.append(seq)
        m.append(UInt32(0))
        m.bytes += body.bytes
        let sent = m.bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        guard sent == m.bytes.count else { throw NetlinkError(request: what, errno: errno) }
        var buffer = [UInt8](repeating: 0, count: 8192)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 20 else { throw NetlinkError(request: what, errno: n < 0 ? errno : EPROTO) }
            var at = 0
            while at + 20 <= n {
                let len = Int(load32(buffer, at)), kind = UInt16(buffer[at + 4]) | UInt16(buffer[at + 5]) << 8
                if kind == 2 /* NLMSG_ERROR */, load32(buffer, at + 8) == seq {
                    let code = Int32(bitPattern: load32(buffer, at + 16))
                    if code == 0 { return }
                    throw NetlinkError(request: what, errno: -code)
                }
                guard len >= 16 else { break }
                at += (len + 3) & ~3
            }
        }
    }

    private func load32(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
    }

    enum Kind {
        static let newLink: UInt16 = 16, setLink: UInt16 = 19, newAddr: UInt16 = 20, newQdisc: UInt16 = 36
    }
    enum Flags {
        static let request: UInt16 = 0x1, ack: UInt16 = 0x4, excl: UInt16 = 0x200, create: UInt16 = 0x400
    }
    enum Attr {
        static let ifname: UInt16 = 3, linkinfo: UInt16 = 18, netNsFd: UInt16 = 28
        static let infoKind: UInt16 = 1, infoData: UInt16 = 2, vethInfoPeer: UInt16 = 1
        static let ifaAddress: UInt16 = 1, ifaLocal: UInt16 = 2
        static let tcaKind: UInt16 = 1, tcaOptions: UInt16 = 2
    }
}

/// A message body being built: a fixed header then rtattrs, each padded to 4 bytes (host byte order).
struct Message {
    var bytes: [UInt8] = []

    /// struct ifinfomsg: family, pad, type, index, flags, change.
    static func ifinfomsg(index: Int32 = 0, flags: UInt32 = 0, change: UInt32 = 0) -> Message {
        var m = Message()
        m.bytes = [UInt8(AF_UNSPEC), 0, 0, 0]
        m.append(UInt32(bitPattern: index))
        m.append(flags)
        m.append(change)
        return m
    }

    mutating func append<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.littleEndian) { bytes += $0 }
    }

    mutating func attribute(_ type: UInt16, bytes payload: [UInt8]) {
        append(UInt16(4 + payload.count))
        append(type)
        bytes += payload
        while bytes.count % 4 != 0 { bytes.append(0) }
    }

    mutating func attribute(_ type: UInt16, string: String) {
        attribute(type, bytes: Array(string.utf8) + [0])
    }

    mutating func attribute(_ type: UInt16, uint32: UInt32) {
        var b: [UInt8] = []
        withUnsafeBytes(of: uint32.littleEndian) { b += $0 }
        attribute(type, bytes: b)
    }
}
