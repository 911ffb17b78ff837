import KernelInfo

/// Which syscalls to show: strace's -e trace= list, with kpath's classes.
///   network    strace's %network exactly (socket ... getsockopt, no read/write/close)
///   socket-io  network, plus read/write/readv/writev/close on socket fds only
///   all        every syscall
/// Names and classes combine: `-e socket-io,openat`, `-e connect,sendto`.
public struct SyscallFilter: Codable, Sendable, Equatable {
    public var all = false
    /// Syscalls shown whatever their fd.
    public var names: Set<String> = []
    /// read/write/readv/writev/close shown when their fd is a socket.
    public var socketIO = false
    /// The spec as given.
    public var spec: String

    public static let classes = ["network", "socket-io", "all"]
    /// What socket-io adds to network (shown on socket fds only).
    public static let socketIONames: Set<String> = ["read", "write", "readv", "writev", "close"]
    /// Calls that create socket fds (tracked for socket-io).
    static let socketCreators: Set<String> = ["socket", "accept", "accept4", "socketpair"]

    public static var network: SyscallFilter { try! parse("network") }
    public static var socketIOClass: SyscallFilter { try! parse("socket-io") }
    public static var everything: SyscallFilter { try! parse("all") }

    /// Parses `-e`: a comma list of syscall names and classes, optionally as
    /// `trace=...`, classes optionally with strace's `%` (`%network`, `%net`).
    public static func parse(_ spec: String) throws -> SyscallFilter {
        var f = SyscallFilter(spec: spec)
        var body = spec.trimmed()
        if body.hasPrefix("trace=") { body.removeFirst(6) }
        let items = body.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmed() }
        for raw in items {
            let item = raw.hasPrefix("%") ? String(raw.dropFirst()) : raw
            switch item {
            case "network", "net": f.names.formUnion(SyscallTable.network)
            case "socket-io": f.names.formUnion(SyscallTable.network); f.socketIO = true
            case "all": f.all = true
            default:
                guard !item.isEmpty, SyscallTable.number(item) != nil else {
                    throw SessionError.badArgument(
                        "unknown syscall \"\(raw)\" in -e; give x86_64 syscall names (-e connect,sendto) or a class: network (strace's %network), socket-io (network plus read/write/close on sockets), all")
                }
                f.names.insert(item)
            }
        }
        return f
    }

    /// The syscall numbers the BPF side must record; nil = all.
    public func numbers(extra: [String] = []) -> Set<Int>? {
        if all { return nil }
        var n = names.union(extra)
        if socketIO { n.formUnion(Self.socketIONames); n.formUnion(Self.socketCreators) }
        return Set(n.compactMap { SyscallTable.number($0) })
    }

    /// Shown whatever the fd (the socket-io calls are decided by the collector).
    public func selects(_ name: String) -> Bool { all || names.contains(name) }
}
