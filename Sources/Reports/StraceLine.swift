import FoundationEssentials
import Glibc
import KernelInfo
import Sessions

// One record as strace prints it: `connect(3, {sa_family=AF_INET, ...}, 16) = 0`.
// Socket, file, process and memory calls are decoded as strace 6 does;
// calls kpath does not decode print their arguments as numbers. The pieces
// are in StraceArguments.swift, StraceFlags.swift (clone, mmap, fcntl,
// wait4), StraceSignals.swift (signal lines), the names of constants in
// StraceNames.swift; StraceStream.swift splits interleaved calls.
extension StraceFormat {
    /// The whole line: prefix, call, result.
    public static func line(_ r: SyscallRecord, _ o: Options = Options()) -> String {
        $hexStrings.withValue(o.hexStrings) { prefix(r, o) + body(r, o) }
    }

    /// `[pid N] ` and the time, as asked.
    static func prefix(_ r: SyscallRecord, _ o: Options) -> String {
        var s = ""
        if o.pidPrefix { s += "[pid " + lpad5(r.tid) + "] " }
        if o.timestamp { s += clock(r.time) + " " }
        return s
    }

    /// The call and its result; a signal's `--- SIG {...} ---`; a call whose
    /// entry was not seen (in progress at -p attach) `<... NAME resumed>) = RET`.
    static func body(_ r: SyscallRecord, _ o: Options) -> String {
        if r.isSignal { return signalLine(r) }
        let head = r.resumed ? "<... \(r.name) resumed>)" : call(r, stringLimit: o.stringLimit)
        return finish(head, r, o, column: prefix(r, o).count)
    }

    /// `head = result`, padded so that `=` starts at column 40, and ` <T>` under -T.
    static func finish(_ head: String, _ r: SyscallRecord, _ o: Options, column: Int) -> String {
        var s = head
        if o.align && s.count + column < 40 {
            s += String(repeating: " ", count: 40 - s.count - column) + "= "
        } else {
            s += " = "
        }
        s += result(r)
        if o.duration && r.finished { s += cFormat(" <%.6f>", Double(r.durationNs) / 1e9) }
        return s
    }

    /// `HH:MM:SS.uuuuuu`, local time.
    public static func clock(_ t: Double) -> String {
        var secs = time_t(t.rounded(.down))
        let usec = Int((t - Double(secs)) * 1e6)
        var tm = tm()
        localtime_r(&secs, &tm)
        return cFormat("%02d:%02d:%02d.%06ld", tm.tm_hour, tm.tm_min, tm.tm_sec, min(usec, 999_999))
    }

    static func lpad5(_ n: Int32) -> String {
        let s = String(n)
        return s.count >= 5 ? s : String(repeating: " ", count: 5 - s.count) + s
    }

    /// What follows `= `: the return value, or `-1 ECONNREFUSED (Connection refused)`, or `?`.
    public static func result(_ r: SyscallRecord) -> String {
        guard r.finished else { return "?" }
        if let e = r.errno {
            if let (name, text) = restartErrors[e] { return "? \(name) (\(text))" }
            return "-1 \(errnoName(e)) (\(String(cString: strerror(e))))"
        }
        if r.name == "mmap" || r.name == "brk" || r.name == "mremap" { return hex(UInt64(bitPattern: r.ret)) }
        if let f = fcntlResult(r) { return f }
        if FDNames.fdReturning.contains(r.name), let n = r.fdNames?[Int32(truncatingIfNeeded: r.ret)] {
            return String(r.ret) + "<" + escape(Array(n.utf8)) + ">"
        }
        return String(r.ret)
    }

    /// `name(args)`.
    public static func call(_ r: SyscallRecord, stringLimit: Int = 32) -> String {
        r.name + "(" + arguments(r, limit: stringLimit).joined(separator: ", ") + ")"
    }

    static func arguments(_ r: SyscallRecord, limit: Int) -> [String] {
        let ok = r.finished && !r.failed
        let fd = fdText(r, r.int(0))
        switch r.name {
        case "socket":
            return [SocketAddress.familyName(Int(r.int(0))), socketType(r.int(1)), protocolName(domain: r.int(0), r.int(2))]
        case "socketpair":
            let sv = r.fdPair.map { "[\($0.0), \($0.1)]" } ?? pointer(r.arg(3))
            return [SocketAddress.familyName(Int(r.int(0))), socketType(r.int(1)), protocolName(domain: r.int(0), r.int(2)), sv]
        case "connect", "bind":
            return [fd, sockaddr(r, pointer: r.arg(1), always: true), String(r.int(2))]
        case "listen":
            return [fd, String(r.int(1))]
        case "accept", "accept4", "getsockname", "getpeername":
            var a = [fd, sockaddr(r, pointer: r.arg(1), always: false), lengthPointer(r, pointer: r.arg(2))]
            if r.name == "accept4" { a.append(flags(UInt64(UInt32(bitPattern: r.int(3))), socketFlagNames)) }
            return a
        case "sendto":
            return [fd, string(r, pointer: r.arg(1), length: Int(clamping: r.arg(2)), limit: limit), String(r.arg(2)),
                    flags(UInt64(UInt32(bitPattern: r.int(3))), msgFlagNames), sockaddr(r, pointer: r.arg(4), always: true), String(r.int(5))]
        case "recvfrom":
            return [fd, ok ? string(r, pointer: r.arg(1), length: Int(r.ret), limit: limit) : pointer(r.arg(1)), String(r.arg(2)),
                    flags(UInt64(UInt32(bitPattern: r.int(3))), msgFlagNames), sockaddr(r, pointer: r.arg(4), always: false),
                    lengthPointer(r, pointer: r.arg(5))]
        case "sendmsg", "recvmsg":
            return [fd, msghdr(r, limit: limit), flags(UInt64(UInt32(bitPattern: r.int(2))), msgFlagNames)]
        case "sendmmsg", "recvmmsg":
            var a = [fd, pointer(r.arg(1)), String(UInt32(truncatingIfNeeded: r.arg(2))), flags(UInt64(UInt32(bitPattern: r.int(3))), msgFlagNames)]
            if r.name == "recvmmsg" { a.append(r.arg(4) == 0 ? "NULL" : pointer(r.arg(4))) }
            return a
        case "shutdown":
            let how = ["SHUT_RD", "SHUT_WR", "SHUT_RDWR"]
            let h = r.int(1)
            return [fd, h >= 0 && h < 3 ? how[Int(h)] : String(h)]
        case "setsockopt":
            return [fd, levelName(r.int(1)), optionName(level: r.int(1), r.int(2)), optval(r, length: Int(r.int(4)), limit: limit), String(r.int(4))]
        case "getsockopt":
            let val = ok ? optval(r, length: Int(r.lenOut ?? Int32(r.data.count)), limit: limit) : pointer(r.arg(3))
            return [fd, levelName(r.int(1)), optionName(level: r.int(1), r.int(2)), val, lengthPointer(r, pointer: r.arg(4))]
        case "write":
            return [fd, string(r, pointer: r.arg(1), length: Int(clamping: r.arg(2)), limit: limit), String(r.arg(2))]
        case "read":
            return [fd, ok ? string(r, pointer: r.arg(1), length: Int(r.ret), limit: limit) : pointer(r.arg(1)), String(r.arg(2))]
        case "writev", "readv":
            let iov = r.name == "writev" || ok ? iovec(r, count: r.arg(2), sent: r.name == "writev", limit: limit) : pointer(r.arg(1))
            return [fd, iov, String(r.int(2))]
        case "open":
            return [path(r, r.arg(0)), openFlags(r.int(1))] + (r.int(1) & 0o100 != 0 ? [octal(r.arg(2))] : [])
        case "openat":
            return [dirfd(r, r.int(0)), path(r, r.arg(1)), openFlags(r.int(2))] + (r.int(2) & 0o100 != 0 ? [octal(r.arg(3))] : [])
        case "stat", "lstat":
            return [path(r, r.arg(0)), pointer(r.arg(1))]
        case "newfstatat":
            return [dirfd(r, r.int(0)), r.int(3) & 0x1000 != 0 && r.data.isEmpty ? "\"\"" : path(r, r.arg(1)), pointer(r.arg(2)), flags(UInt64(UInt32(bitPattern: r.int(3))), atFlagNames)]
        case "statx":
            return [dirfd(r, r.int(0)), path(r, r.arg(1)), statxFlags(r.int(2)), statxMask(r.arg(3)), pointer(r.arg(4))]
        case "access":
            return [path(r, r.arg(0)), accessMode(r.int(1))]
        case "faccessat", "faccessat2":
            return [dirfd(r, r.int(0)), path(r, r.arg(1)), accessMode(r.int(2))] + (r.name == "faccessat2" ? [flags(UInt64(UInt32(bitPattern: r.int(3))), atFlagNames)] : [])
        case "execve":
            return execve(r, limit: limit)
        case "getxattr", "lgetxattr":
            return [path(r, r.arg(0)), pointer(r.arg(1)), pointer(r.arg(2)), String(r.arg(3))]
        case "setxattr", "lsetxattr":
            return [path(r, r.arg(0)), pointer(r.arg(1)), pointer(r.arg(2)), String(r.arg(3)), number(r.arg(4))]
        case "listxattr", "llistxattr":
            return [path(r, r.arg(0)), pointer(r.arg(1)), String(r.arg(2))]
        case "removexattr", "lremovexattr":
            return [path(r, r.arg(0)), pointer(r.arg(1))]
        case "readlink":
            return [path(r, r.arg(0)), pointer(r.arg(1)), String(r.arg(2))]
        case "readlinkat":
            return [dirfd(r, r.int(0)), path(r, r.arg(1)), pointer(r.arg(2)), String(r.arg(3))]
        case "clone": return clone(r)
        case "clone3": return clone3(r)
        case "mmap": return mmap(r)
        case "mprotect": return [pointer(r.arg(0)), String(r.arg(1)), prot(r.arg(2))]
        case "munmap": return [pointer(r.arg(0)), String(r.arg(1))]
        case "fcntl": return fcntl(r)
        case "wait4": return wait4(r)
        case "kill", "tkill", "tgkill": return kill(r)
        case "close", "fsync", "dup":
            return [fd]
        case "exit", "exit_group":
            return [fd]
        default:
            var a = r.args.map(number)
            if !a.isEmpty, FDNames.fdFirst.contains(r.name) { a[0] = fd }
            return a
        }
    }

    /// An fd, with what it is under -y: `3</etc/hosts>`.
    static func fdText(_ r: SyscallRecord, _ fd: Int32) -> String {
        guard let n = r.fdNames?[fd] else { return String(fd) }
        return String(fd) + "<" + escape(Array(n.utf8)) + ">"
    }

    static func dirfd(_ r: SyscallRecord, _ fd: Int32) -> String { fd == -100 ? "AT_FDCWD" : fdText(r, fd) }
}
