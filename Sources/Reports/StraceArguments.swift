import BPFRecords
import Glibc
import KernelInfo
import Sessions

// The arguments of a strace line: buffers, paths, sockaddrs, msghdrs, option values.
extension StraceFormat {
    /// strace -x (1) / -xx (2) for the line being printed (Options.hexStrings, set by line()).
    @TaskLocal static var hexStrings = 0

    static func number(_ v: UInt64) -> String {
        let s = Int64(bitPattern: v)
        if s >= -4096 && s < 0x10000 { return String(s) }
        // a negative C int (fd -1, AT_FDCWD) passed in a 64-bit register
        if v >= 0xffff_f000 && v <= 0xffff_ffff { return String(Int32(bitPattern: UInt32(v))) }
        return hex(v)
    }

    static func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
    static func octal(_ v: UInt64) -> String { "0" + String(v & 0o7777, radix: 8) }

    /// A path argument as strace prints it (copied at entry, up to KP_PATH_MAX
    /// bytes; `...` when it may go on), or the pointer when it could not be read.
    static func path(_ r: SyscallRecord, _ p: UInt64) -> String {
        path(r.data, p)
    }

    static func path(_ bytes: [UInt8], _ p: UInt64) -> String {
        if p == 0 { return "NULL" }
        if bytes.isEmpty { return pointer(p) }
        return "\"" + escape(bytes) + "\"" + (bytes.count >= Int(KP_PATH_MAX) - 1 ? "..." : "")
    }

    /// execve's path, `["sh", "-c", "..."]` and `0x7ffd... /* 35 vars */`: the
    /// data holds "path\0arg0\0arg1\0..." read at entry, msg = [strings read, argc, envc].
    static func execve(_ r: SyscallRecord, limit: Int) -> [String] {
        guard let m = r.msg, m.count >= 3, let nul = r.data.firstIndex(of: 0) else {
            return [path(r, r.arg(0)), pointer(r.arg(1)), pointer(r.arg(2))]
        }
        let strings = r.data[(nul + 1)...].split(separator: 0, omittingEmptySubsequences: false).map(Array.init)
        let read = Int(min(m[0], UInt64(strings.count)))
        var argv = strings.prefix(read).map { quote($0, length: $0.count, limit: limit) }
        if m[1] > UInt64(read) { argv.append("...") }
        let args = r.arg(1) == 0 ? "NULL" : "[" + argv.joined(separator: ", ") + "]"
        let env = r.arg(2) == 0 ? "NULL" : pointer(r.arg(2)) + " /* \(m[2]) var\(m[2] == 1 ? "" : "s") */"
        return [path(Array(r.data[..<nul]), r.arg(0)), args, env]
    }

    static func dirfd(_ fd: Int32) -> String { fd == -100 ? "AT_FDCWD" : String(fd) }

    /// In strace's order (its xlat/open_mode_flags.in): O_CLOEXEC before O_DIRECTORY.
    static let openFlagNames: [(UInt64, String)] = [
        (0o100, "O_CREAT"), (0o200, "O_EXCL"), (0o400, "O_NOCTTY"), (0o1000, "O_TRUNC"), (0o2000, "O_APPEND"),
        (0o4000, "O_NONBLOCK"), (0o4010000, "O_SYNC"), (0o10000, "O_DSYNC"), (0o40000, "O_DIRECT"), (0o100000, "O_LARGEFILE"),
        (0o400000, "O_NOFOLLOW"), (0o1000000, "O_NOATIME"), (0o2000000, "O_CLOEXEC"), (0o10000000, "O_PATH"),
        (0o20200000, "O_TMPFILE"), (0o200000, "O_DIRECTORY"), (0o20000, "FASYNC"),
    ]
    /// statx's flags: strace names the sync type first, AT_STATX_SYNC_AS_STAT when it is 0.
    static func statxFlags(_ f: Int32) -> String {
        let v = UInt64(UInt32(bitPattern: f))
        let sync = ["AT_STATX_SYNC_AS_STAT", "AT_STATX_FORCE_SYNC", "AT_STATX_DONT_SYNC", "0x6000"][Int((v >> 13) & 3)]
        let rest = v & ~0x6000
        return rest == 0 ? sync : sync + "|" + flags(rest, atFlagNames)
    }

    /// statx's mask: STATX_BASIC_STATS when all of it, else the bits.
    static func statxMask(_ m: UInt64) -> String {
        let bits: [(UInt64, String)] = [(1, "STATX_TYPE"), (2, "STATX_MODE"), (4, "STATX_NLINK"), (8, "STATX_UID"), (0x10, "STATX_GID"),
                                        (0x20, "STATX_ATIME"), (0x40, "STATX_MTIME"), (0x80, "STATX_CTIME"), (0x100, "STATX_INO"),
                                        (0x200, "STATX_SIZE"), (0x400, "STATX_BLOCKS"), (0x800, "STATX_BTIME"), (0x1000, "STATX_MNT_ID"),
                                        (0x2000, "STATX_DIOALIGN"), (0x4000, "STATX_MNT_ID_UNIQUE")]
        let m32 = m & 0xffff_ffff
        if m32 & 0x7ff == 0x7ff {
            let rest = m32 & ~0x7ff
            return rest == 0 ? "STATX_BASIC_STATS" : "STATX_BASIC_STATS|" + flags(rest, bits)
        }
        return flags(m32, bits)
    }

    static let atFlagNames: [(UInt64, String)] = [
        (0x100, "AT_SYMLINK_NOFOLLOW"), (0x200, "AT_EACCESS"), (0x400, "AT_SYMLINK_FOLLOW"), (0x800, "AT_NO_AUTOMOUNT"), (0x1000, "AT_EMPTY_PATH"),
    ]

    /// `O_RDONLY|O_CLOEXEC`: the access mode, then the flag bits.
    static func openFlags(_ f: Int32) -> String {
        let v = UInt64(UInt32(bitPattern: f))
        let mode = ["O_RDONLY", "O_WRONLY", "O_RDWR", "3"][Int(v & 3)]
        let rest = v & ~3
        return rest == 0 ? mode : mode + "|" + flags(rest, openFlagNames)
    }

    static func accessMode(_ m: Int32) -> String {
        if m == 0 { return "F_OK" }
        return flags(UInt64(UInt32(bitPattern: m)), [(4, "R_OK"), (2, "W_OK"), (1, "X_OK")])
    }
    static func pointer(_ v: UInt64) -> String { v == 0 ? "NULL" : hex(v) }

    /// A buffer: its first `limit` bytes quoted, `...` when longer; the
    /// pointer when nothing could be copied.
    static func string(_ r: SyscallRecord, pointer p: UInt64, length: Int, limit: Int) -> String {
        if p == 0 { return "NULL" }
        if length <= 0 { return "\"\"" }
        if r.data.isEmpty { return pointer(p) }
        return quote(r.data, length: length, limit: limit)
    }

    /// strace's quoting of `length` bytes of which `bytes` were recorded.
    public static func quote(_ bytes: [UInt8], length: Int, limit: Int) -> String {
        let shown = max(0, min(length, limit, bytes.count))
        let s = escape(Array(bytes.prefix(shown)))
        return "\"" + s + "\"" + (length > shown ? "..." : "")
    }

    /// Escapes as strace's string_quote: \" \\ \f \n \r \t \v, printable
    /// ASCII as is, the rest in octal (three digits when a digit follows).
    public static func escape(_ b: [UInt8]) -> String {
        // -xx: every byte in hex; -x: all in hex once one byte would need octal
        if hexStrings >= 2 || (hexStrings == 1 && b.contains { !(0x20...0x7e).contains($0) && !(0x09...0x0d).contains($0) }) {
            return b.map { "\\x" + ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        }
        var out = ""
        out.reserveCapacity(b.count)
        for (i, c) in b.enumerated() {
            switch c {
            case 0x22: out += "\\\""
            case 0x5c: out += "\\\\"
            case 0x0c: out += "\\f"
            case 0x0a: out += "\\n"
            case 0x0d: out += "\\r"
            case 0x09: out += "\\t"
            case 0x0b: out += "\\v"
            case 0x20...0x7e: out.unicodeScalars.append(UnicodeScalar(c))
            default:
                out += "\\"
                let nextIsDigit = i + 1 < b.count && b[i + 1] >= 0x30 && b[i + 1] <= 0x39
                if nextIsDigit {
                    out += String(c >> 6) + String((c >> 3) & 7)
                } else if c >> 3 != 0 {
                    if c >> 6 != 0 { out += String(c >> 6) }
                    out += String((c >> 3) & 7)
                }
                out += String(c & 7)
            }
        }
        return out
    }

    /// A sockaddr argument: decoded when recorded; NULL; else the pointer.
    /// `always`: the call reads it (connect/bind/sendto), so show it even on failure.
    static func sockaddr(_ r: SyscallRecord, pointer p: UInt64, always: Bool) -> String {
        if p == 0 { return "NULL" }
        if (always || (r.finished && !r.failed)) && !r.addr.isEmpty { return sockaddr(r.addr) }
        return pointer(p)
    }

    /// `{sa_family=AF_INET, sin_port=htons(7777), sin_addr=inet_addr("127.0.0.1")}` and friends,
    /// from SocketAddress's decoding; sa_data for what it does not decode.
    public static func sockaddr(_ b: [UInt8]) -> String {
        guard let family = SocketAddress.family(b) else { return "{}" }
        let fam = "sa_family=" + SocketAddress.familyName(family)
        if b.count == 2 { return "{\(fam)}" }
        if let a = SocketAddress.decode(b) {
            switch Int32(family) {
            case AF_INET:
                if let ip = a.ip, let port = a.port { return "{\(fam), sin_port=htons(\(port)), sin_addr=inet_addr(\"\(ip)\")}" }
            case AF_INET6:
                if let ip = a.ip, let port = a.port, let flow = a.flowinfo {
                    let scope = a.scopeID.map { ", sin6_scope_id=\($0)" } ?? ""
                    return "{\(fam), sin6_port=htons(\(port)), sin6_flowinfo=htonl(\(flow)), inet_pton(AF_INET6, \"\(ip)\", &sin6_addr)\(scope)}"
                }
            case AF_UNIX:
                let (abstract, name) = SocketAddress.unixPath(b)
                return "{\(fam), sun_path=\(abstract ? "@" : "")\"\(escape(name))\"}"
            case AF_NETLINK:
                if let pid = a.netlinkPID, let groups = a.netlinkGroups { return "{\(fam), nl_pid=\(pid), nl_groups=\(cFormat("%08x", groups))}" }
            default: break
            }
        }
        return "{\(fam), sa_data=\"\(escape(Array(b.dropFirst(2))))\"}"
    }

    /// `[16]`, `[128 => 16]` (in => out when the kernel changed it), NULL, or the pointer.
    static func lengthPointer(_ r: SyscallRecord, pointer p: UInt64) -> String {
        if p == 0 { return "NULL" }
        if r.finished && !r.failed, let out = r.lenOut {
            if let inn = r.lenIn, inn != out { return "[\(inn) => \(out)]" }
            return "[\(out)]"
        }
        if let inn = r.lenIn { return "[\(inn)]" }
        return pointer(p)
    }

    static func msghdr(_ r: SyscallRecord, limit: Int) -> String {
        let received = r.name == "recvmsg"
        guard let m = r.msg, m.count >= 4, !(received && (!r.finished || r.failed)) else { return pointer(r.arg(1)) }
        let name = r.addr.isEmpty ? "NULL" : sockaddr(r.addr)
        let namelen = r.lenOut ?? Int32(r.addr.count)
        let iov = iovec(r, count: m[0], sent: !received, limit: limit)
        return "{msg_name=\(name), msg_namelen=\(namelen), msg_iov=\(iov), msg_iovlen=\(m[0]), msg_controllen=\(m[1]), msg_flags=\(flags(m[2], msgFlagNames))}"
    }

    /// `[{iov_base="hello", iov_len=5}]`; only the first iovec is recorded,
    /// the others print as `...`.
    static func iovec(_ r: SyscallRecord, count: UInt64, sent: Bool, limit: Int) -> String {
        guard count > 0, let m = r.msg, m.count >= 4 else { return count == 0 ? "[]" : pointer(r.arg(1)) }
        let len = Int(clamping: m[3])
        let shown = sent ? len : min(len, max(0, Int(r.ret)))
        let base = shown == 0 ? "\"\"" : (r.data.isEmpty ? "?" : quote(r.data, length: shown, limit: limit))
        return "[{iov_base=\(base), iov_len=\(len)}" + (count > 1 ? ", ...]" : "]")
    }

    /// An option value: `[1]` for ints, `{tv_sec=5, tv_usec=0}` for timeouts,
    /// `{l_onoff=1, l_linger=0}` for SO_LINGER, else the bytes quoted.
    static func optval(_ r: SyscallRecord, length: Int, limit: Int) -> String {
        let p = r.arg(3)
        if p == 0 { return "NULL" }
        let b = r.data
        if b.isEmpty { return length == 0 ? "\"\"" : pointer(p) }
        let level = r.int(1), opt = r.int(2)
        if level == SOL_SOCKET && [20, 21, 66, 67].contains(opt) && length >= 16, let sec = r.dataInt64(at: 0), let usec = r.dataInt64(at: 8) {
            return "{tv_sec=\(sec), tv_usec=\(usec)}"
        }
        if level == SOL_SOCKET && opt == 13 && length >= 8, let onoff = r.dataInt32(at: 0), let linger = r.dataInt32(at: 4) {
            return "{l_onoff=\(onoff), l_linger=\(linger)}"
        }
        if level == SOL_SOCKET && opt == 4 && length == 4, let v = r.dataInt32(at: 0) { // SO_ERROR: an errno
            return v > 0 ? "[\(errnoName(v))]" : "[\(v)]"
        }
        let stringOptions: [(Int32, Int32)] = [(1, 25), (6, 13), (6, 31)] // SO_BINDTODEVICE, TCP_CONGESTION, TCP_ULP
        if !stringOptions.contains(where: { $0 == (level, opt) }) && length == 4, let v = r.dataInt32(at: 0) {
            return "[\(v)]"
        }
        return quote(b, length: length, limit: limit)
    }
}
