import KernelInfo

/// Which syscalls to show: strace's -e trace= list, with kpath's classes.
///   network    strace's %network exactly (socket ... getsockopt, no read/write/close)
///   socket-io  network, plus read/write/readv/writev/close on socket fds only
///   all        every syscall
/// Names and classes combine: `-e socket-io,openat`, `-e connect,sendto`.
/// strace's classes (`%file`, `%process`, `%network`/`%net`, `%signal`,
/// `%desc`, `%memory`, `%ipc`; KernelInfo/SyscallClasses) and its `!`
/// (`-e trace=!close,%memory`: everything but those) work as in strace.
public struct SyscallFilter: Codable, Sendable, Equatable {
    public var all = false
    /// Syscalls shown whatever their fd.
    public var names: Set<String> = []
    /// read/write/readv/writev/close shown when their fd is a socket.
    public var socketIO = false
    /// `!`: syscalls not shown (with `all`).
    public var excluded: Set<String> = []
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
        let negated = body.hasPrefix("!")
        if negated { body.removeFirst() }
        let items = body.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmed() }
        for raw in items {
            let item = raw.hasPrefix("%") ? String(raw.dropFirst()) : raw
            switch item {
            case "network", "net": f.names.formUnion(SyscallTable.network + ["sendfile"]) // strace's %network has sendfile
            case "socket-io": f.names.formUnion(SyscallTable.network); f.socketIO = true
            case "all": f.all = true
            case "none": break
            case _ where SyscallClasses.named(item) != nil:
                f.names.formUnion(SyscallClasses.named(item)!.filter { SyscallTable.number($0) != nil })
            default:
                guard !item.isEmpty, SyscallTable.number(item) != nil else {
                    throw SessionError.badArgument(
                        "unknown syscall \"\(raw)\" in -e; give x86_64 syscall names (-e connect,sendto) or a class: %file, %process, %network, %signal, %desc, %memory, %ipc (strace's), socket-io (network plus read/write/close on sockets), all; !LIST for all but LIST")
                }
                f.names.insert(item)
            }
        }
        if negated {
            // strace's `!`: everything but the list (socket-io's fd rule has no inverse)
            guard !f.all, !f.socketIO else {
                throw SessionError.badArgument("-e \"\(spec)\": ! cannot negate all or socket-io; give names or %classes after !")
            }
            f.excluded = f.names
            f.names = []
            f.all = true
        }
        return f
    }

    /// The syscall numbers the BPF side must record; nil = all.
    public func numbers(extra: [String] = []) -> Set<Int>? {
        if all {
            guard !excluded.isEmpty else { return nil }
            let kept = SyscallTable.names.filter { !$0.isEmpty && !excluded.contains($0) }
            return Set((kept + extra).compactMap { SyscallTable.number($0) })
        }
        var n = names.union(extra)
        if socketIO { n.formUnion(Self.socketIONames); n.formUnion(Self.socketCreators) }
        return Set(n.compactMap { SyscallTable.number($0) })
    }

    /// Shown whatever the fd (the socket-io calls are decided by the collector).
    public func selects(_ name: String) -> Bool { all ? !excluded.contains(name) : names.contains(name) }
}
