// `compare --peer netns`: the echo client and server each in a network
// namespace of its own (the held trampoline unshares CLONE_NEWNET before it
// parks), joined by a veth pair that kpath creates over rtnetlink from inside
// those namespaces. kpath's own namespace is never touched, and nothing is
// named (no /run/netns bind mount): the namespaces belong to the two
// processes, which die with kpath (PR_SET_PDEATHSIG), and the kernel destroys
// each namespace, and the veth with it, when its last process is gone, even
// after SIGKILL of kpath.
import Glibc

public enum PeerError: Error, CustomStringConvertible, Equatable, Sendable {
    case noNetem
    case noVeth
    case sameNamespace(role: String)
    case namespace(String, errno: Int32)
    case netlink(NetlinkError)

    public var description: String {
        switch self {
        case .noNetem:
            return "this kernel has no sch_netem (the netem qdisc, CONFIG_NET_SCH_NETEM), so --rtt cannot delay the link: load it with `modprobe sch_netem`, or drop --rtt (--peer netns alone runs without a delay)"
        case .noVeth:
            return "this kernel has no veth driver (CONFIG_VETH), so --peer netns cannot join the namespaces: load it with `modprobe veth`, or drop --peer"
        case let .sameNamespace(role):
            return "the echo \(role) is in kpath's own network namespace; --peer netns refuses to configure it"
        case let .namespace(what, code):
            return "--peer netns: \(what): \(errnoText(code)) (it needs root or CAP_SYS_ADMIN)"
        case let .netlink(e):
            return "--peer netns: \(e)"
        }
    }
}

/// The veth link between a client's and a server's private network namespaces.
public final class PeerLink {
    /// Addresses from the benchmarking ranges (RFC 2544's 198.18.0.0/15, RFC 5180's 2001:2::/48), set only inside the two namespaces.
    public static let clientIPv4: [UInt8] = [198, 18, 0, 1], serverIPv4: [UInt8] = [198, 18, 0, 2]
    public static let clientIPv6: [UInt8] = [0x20, 0x01, 0, 2] + [UInt8](repeating: 0, count: 11) + [1]
    public static let serverIPv6: [UInt8] = [0x20, 0x01, 0, 2] + [UInt8](repeating: 0, count: 11) + [2]
    /// The device names the packet table shows (at most 15 bytes, IFNAMSIZ).
    public static let clientDevice = "kpath-client", serverDevice = "kpath-server"

    /// The server's address as the echo client dials it: 198.18.0.2:PORT or [2001:2::2]:PORT.
    public static func serverAddress(ipv6: Bool, port: UInt16) -> String {
        ipv6 ? "[2001:2::2]:\(port)" : "198.18.0.2:\(port)"
    }

    public let rttNs: UInt64?

    /// Creates the veth from inside the client's namespace with its peer end
    /// placed straight into the server's, sets addresses (/24 and /64), brings
    /// both ends and both loopbacks up, and with `rttNs` adds netem with half
    /// the delay on each end's egress: the round trip is rttNs.
    public init(clientPID: pid_t, serverPID: pid_t, rttNs: UInt64?) throws {
        self.rttNs = rttNs
        let own = try PeerLink.openNamespace("thread-self")
        defer { close(own) }
        let client = try PeerLink.openNamespace(String(clientPID)), server = try PeerLink.openNamespace(String(serverPID))
        defer { close(client); close(server) }
        let ownInode = PeerLink.inode(own)
        if PeerLink.inode(client) == ownInode { throw PeerError.sameNamespace(role: "client") }
        if PeerLink.inode(server) == ownInode { throw PeerError.sameNamespace(role: "server") }
        let half = rttNs.map { ($0 + 1) / 2 }
        try PeerLink.inside(client, returningTo: own) {
            let route = try RouteSocket()
            do { try route.addVeth(name: PeerLink.clientDevice, peer: PeerLink.serverDevice, peerNamespace: server) } catch let e as NetlinkError {
                throw e.errno == EOPNOTSUPP ? PeerError.noVeth : PeerError.netlink(e)
            }
            try PeerLink.configure(route, device: PeerLink.clientDevice, v4: PeerLink.clientIPv4, v6: PeerLink.clientIPv6, delayNs: half)
        }
        try PeerLink.inside(server, returningTo: own) {
            try PeerLink.configure(try RouteSocket(), device: PeerLink.serverDevice, v4: PeerLink.serverIPv4, v6: PeerLink.serverIPv6,
                                   delayNs: rttNs.map { $0 - (half ?? 0) })
        }
    }

    /// --rtt before anything runs: in a throwaway namespace of the calling
    /// thread (gone when the thread leaves it), can netem go on lo?
    public static func checkNetem() throws {
        let own = try openNamespace("thread-self")
        defer { close(own) }
        guard unshareNetwork() == 0 else { throw PeerError.namespace("unshare(CLONE_NEWNET)", errno: errno) }
        let scratch = try openNamespace("thread-self")
        defer { close(scratch) }
        try inside(scratch, returningTo: own) {
            do { try RouteSocket().addNetem(index: 1, delayNs: 1_000_000, name: "lo") } catch let e as NetlinkError {
                throw e.errno == ENOENT ? PeerError.noNetem : PeerError.netlink(e)
            }
        }
    }

    static func configure(_ route: RouteSocket, device: String, v4: [UInt8], v6: [UInt8], delayNs: UInt64?) throws {
        do {
            try route.setUp(index: 1, name: "lo")   // a new namespace's lo is always index 1
            let index = Int32(bitPattern: if_nametoindex(device))
            guard index > 0 else { throw PeerError.namespace("no device \(device) after creating it", errno: errno) }
            try route.addAddress(index: index, address: v4, prefix: 24, name: device)
            try route.addAddress(index: index, address: v6, prefix: 64, name: device)
            try route.setUp(index: index, name: device)
            if let delayNs {
                do { try route.addNetem(index: index, delayNs: delayNs, name: device) } catch let e as NetlinkError where e.errno == ENOENT {
                    throw PeerError.noNetem
                }
            }
        } catch let e as NetlinkError {
            throw PeerError.netlink(e)
        }
    }

    static func openNamespace(_ process: String) throws -> Int32 {
        let path = "/proc/\(process)/ns/net"
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw PeerError.namespace("cannot open \(path)", errno: errno) }
        return fd
    }

    static func inode(_ fd: Int32) -> UInt64 {
        var st = stat()
        return fstat(fd, &st) == 0 ? UInt64(st.st_ino) : 0
    }

    /// Runs `body` with the calling thread in the namespace `fd` (setns is
    /// per thread for CLONE_NEWNET; sockets keep the namespace they were made in), then returns the thread to `own`.
    static func inside(_ fd: Int32, returningTo own: Int32, _ body: () throws -> Void) throws {
        guard setNamespace(fd) == 0 else { throw PeerError.namespace("setns into the echo's network namespace", errno: errno) }
        defer {
            if setNamespace(own) != 0 {
                // The main thread would stay in the peer's namespace: never go on like that.
                fputs("kpath: error: cannot return to kpath's own network namespace: \(errnoText(errno))\n", stderr)
                _exit(1)
            }
        }
        try body()
    }

    static func setNamespace(_ fd: Int32) -> Int32 {
        typealias SetNS = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "setns") else { errno = ENOSYS; return -1 }
        return unsafeBitCast(symbol, to: SetNS.self)(fd, cloneNewNet)
    }

    /// CLONE_NEWNET, for setns and unshare.
    static let cloneNewNet: Int32 = 0x4000_0000

    /// unshare(CLONE_NEWNET): the calling process gets a new, empty network namespace (the held trampoline).
    public static func unshareNetwork() -> Int32 {
        typealias Unshare = @convention(c) (Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "unshare") else { errno = ENOSYS; return -1 }
        return unsafeBitCast(symbol, to: Unshare.self)(cloneNewNet)
    }
}
