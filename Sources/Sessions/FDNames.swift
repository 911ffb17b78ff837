import Glibc
import KernelInfo

/// strace -y: what each fd a record names is (`3</etc/hosts>`,
/// `3<socket:[1234]>`), from readlink(/proc/PID/fd/N) when the record
/// reaches user space. That is after the call: an fd closed (or reused) by
/// then, or a process already gone, is shown by what kpath saw last, or as a
/// bare number. strace asks at the call itself (the tracee is stopped); a
/// tracepoint does not stop it, so this is the honest best (docs/syscalls.md).
public final class FDNames {
    /// tgid -> fd -> what it was when last seen.
    private var known: [Int32: [Int32: String]] = [:]

    public init() {}

    /// Calls whose first argument is an fd: strace's %desc and %network,
    /// minus those whose first argument is something else.
    public static let fdFirst: Set<String> = {
        let notFD: Set<String> = ["open", "creat", "pipe", "pipe2", "select", "pselect6", "poll", "ppoll", "mmap",
                                  "epoll_create", "epoll_create1", "eventfd", "eventfd2", "timerfd_create", "memfd_create",
                                  "inotify_init", "inotify_init1", "fanotify_init", "io_uring_setup", "userfaultfd",
                                  "memfd_secret", "perf_event_open", "pidfd_open", "socket", "socketpair",
                                  "open_tree", "fsopen", "fspick", "fsmount", "landlock_create_ruleset", "signalfd",
                                  "signalfd4", "sendfile", "splice", "tee", "copy_file_range", "process_madvise"]
        let desc = SyscallClasses.named("desc") ?? [], net = SyscallClasses.named("network") ?? []
        return Set(desc + net).subtracting(notFD)
    }()

    /// Calls that return a new fd.
    public static let fdReturning: Set<String> = ["open", "openat", "openat2", "creat", "socket", "accept", "accept4", "dup",
                                           "dup2", "dup3", "epoll_create", "epoll_create1", "eventfd2", "timerfd_create",
                                           "memfd_create", "inotify_init1", "signalfd4", "pidfd_open", "open_tree", "fsmount",
                                           "userfaultfd", "perf_event_open", "memfd_secret", "io_uring_setup", "fsopen"]

    /// Fills `r.fdNames` for its fd argument and, for calls that return an
    /// fd, its result; forgets an fd that close() closed.
    public func annotate(_ r: inout SyscallRecord) {
        var names: [Int32: String] = [:]
        if Self.fdFirst.contains(r.name) || (r.name.hasSuffix("at") || r.name.hasSuffix("at2") || r.name == "statx") {
            let fd = r.int(0)
            if fd >= 0, let n = name(pid: r.pid, fd: fd, fresh: false) { names[fd] = n }
        }
        if Self.fdReturning.contains(r.name), r.finished, r.ret >= 0, r.ret < Int64(Int32.max) {
            let fd = Int32(r.ret)
            if let n = name(pid: r.pid, fd: fd, fresh: true) ?? openedPath(r) {
                names[fd] = n
                known[r.pid, default: [:]][fd] = n
            }
        }
        if r.name == "close" && r.ret == 0 { known[r.pid]?[r.int(0)] = nil }
        if r.name == "execve" && r.ret == 0 { known[r.pid] = nil }
        if !names.isEmpty { r.fdNames = names }
    }

    /// open/openat's absolute path as given, when /proc no longer has the fd
    /// (a short-lived command closes it before kpath reads the record).
    private func openedPath(_ r: SyscallRecord) -> String? {
        guard r.name == "open" || r.name == "openat", r.data.first == UInt8(ascii: "/") else { return nil }
        return String(decoding: r.data, as: UTF8.self)
    }

    /// `fresh`: the fd was just made, so ask /proc rather than trust the cache.
    private func name(pid: Int32, fd: Int32, fresh: Bool) -> String? {
        if !fresh, let n = known[pid]?[fd] { return n }
        var buf = [CChar](repeating: 0, count: 4097)
        let n = readlink("/proc/\(pid)/fd/\(fd)", &buf, buf.count - 1)
        guard n > 0 else { return fresh ? nil : known[pid]?[fd] }
        let s = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        known[pid, default: [:]][fd] = s
        return s
    }
}
