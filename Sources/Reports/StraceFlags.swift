import Sessions

// Flag and struct decoding for the process and memory calls, as strace 6
// prints them: clone/clone3, mmap/mprotect/munmap, fcntl, wait4, kill.
extension StraceFormat {
    /// Bits in strace's order (its xlat/clone_flags.in): ascending.
    static let cloneFlagNames: [(UInt64, String)] = [
        (0x80, "CLONE_NEWTIME"), (0x100, "CLONE_VM"), (0x200, "CLONE_FS"), (0x400, "CLONE_FILES"), (0x800, "CLONE_SIGHAND"),
        (0x1000, "CLONE_PIDFD"), (0x2000, "CLONE_PTRACE"), (0x4000, "CLONE_VFORK"), (0x8000, "CLONE_PARENT"),
        (0x10000, "CLONE_THREAD"), (0x20000, "CLONE_NEWNS"), (0x40000, "CLONE_SYSVSEM"), (0x80000, "CLONE_SETTLS"),
        (0x100000, "CLONE_PARENT_SETTID"), (0x200000, "CLONE_CHILD_CLEARTID"), (0x400000, "CLONE_DETACHED"),
        (0x800000, "CLONE_UNTRACED"), (0x1000000, "CLONE_CHILD_SETTID"), (0x2000000, "CLONE_NEWCGROUP"),
        (0x4000000, "CLONE_NEWUTS"), (0x8000000, "CLONE_NEWIPC"), (0x10000000, "CLONE_NEWUSER"), (0x20000000, "CLONE_NEWPID"),
        (0x40000000, "CLONE_NEWNET"), (0x80000000, "CLONE_IO"), (0x1_0000_0000, "CLONE_CLEAR_SIGHAND"), (0x2_0000_0000, "CLONE_INTO_CGROUP"),
    ]
    static let cloneParentSetTID: UInt64 = 0x100000, cloneSetTLS: UInt64 = 0x80000
    static let cloneChildTID: UInt64 = 0x1000000 | 0x200000

    /// clone's flags: the bits, then the exit signal in the low byte (`...|SIGCHLD`).
    static func cloneFlags(_ f: UInt64) -> String {
        let sig = Int32(f & 0xff), bits = f & ~0xff
        var parts: [String] = []
        if bits != 0 { parts.append(flags(bits, cloneFlagNames.filter { $0.0 != 0x80 })) }
        if sig != 0 { parts.append(signalName(sig)) }
        return parts.isEmpty ? "0" : parts.joined(separator: "|")
    }

    /// x86_64 clone(flags, stack, parent_tid, child_tid, tls):
    /// `child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f...`.
    static func clone(_ r: SyscallRecord) -> [String] {
        let f = r.arg(0)
        var a = ["child_stack=" + pointer(r.arg(1)), "flags=" + cloneFlags(f)]
        if f & cloneParentSetTID != 0 {
            // the kernel stores the child's tid there: the parent's return value
            a.append("parent_tid=" + (r.finished && !r.failed && r.ret > 0 ? "[\(r.ret)]" : pointer(r.arg(2))))
        }
        if f & cloneSetTLS != 0 { a.append("tls=" + pointer(r.arg(4))) }
        if f & cloneChildTID != 0 { a.append("child_tidptr=" + pointer(r.arg(3))) }
        return a
    }

    /// clone3's struct clone_args (copied at exit: kpath.h KP_CLONE_ARGS_SIZE)
    /// as strace prints it, `{flags=..., child_tid=..., ...} => {parent_tid=[N]}`, and its size.
    static func clone3(_ r: SyscallRecord) -> [String] {
        let size = String(r.arg(1))
        guard r.arg(0) != 0, let f = r.dataUInt64(at: 0), let exitSignal = r.dataUInt64(at: 32),
              let stack = r.dataUInt64(at: 40), let stackSize = r.dataUInt64(at: 48), let tls = r.dataUInt64(at: 56) else {
            return [pointer(r.arg(0)), size]
        }
        var a = ["flags=" + (f == 0 ? "0" : flags(f, cloneFlagNames))]
        if f & 0x1000 != 0, let pidfd = r.dataUInt64(at: 8) { a.append("pidfd=" + pointer(pidfd)) }
        if f & cloneChildTID != 0, let ctid = r.dataUInt64(at: 16) { a.append("child_tid=" + pointer(ctid)) }
        if f & cloneParentSetTID != 0, let ptid = r.dataUInt64(at: 24) { a.append("parent_tid=" + pointer(ptid)) }
        a.append("exit_signal=" + (exitSignal == 0 ? "0" : signalName(Int32(truncatingIfNeeded: exitSignal))))
        a.append("stack=" + pointer(stack))
        a.append("stack_size=" + hex(stackSize))
        if f & cloneSetTLS != 0 { a.append("tls=" + pointer(tls)) }
        var s = "{" + a.joined(separator: ", ") + "}"
        if f & cloneParentSetTID != 0 && r.finished && !r.failed && r.ret > 0 { s += " => {parent_tid=[\(r.ret)]}" }
        return [s, size]
    }

    static let protNames: [(UInt64, String)] = [
        (1, "PROT_READ"), (2, "PROT_WRITE"), (4, "PROT_EXEC"), (8, "PROT_SEM"), (0x0100_0000, "PROT_GROWSDOWN"), (0x0200_0000, "PROT_GROWSUP"),
    ]
    static func prot(_ p: UInt64) -> String { p & 0xffff_ffff == 0 ? "PROT_NONE" : flags(p & 0xffff_ffff, protNames) }

    static let mapFlagNames: [(UInt64, String)] = [
        (0x10, "MAP_FIXED"), (0x20, "MAP_ANONYMOUS"), (0x40, "MAP_32BIT"), (0x100, "MAP_GROWSDOWN"), (0x800, "MAP_DENYWRITE"),
        (0x1000, "MAP_EXECUTABLE"), (0x2000, "MAP_LOCKED"), (0x4000, "MAP_NORESERVE"), (0x8000, "MAP_POPULATE"),
        (0x10000, "MAP_NONBLOCK"), (0x20000, "MAP_STACK"), (0x40000, "MAP_HUGETLB"), (0x80000, "MAP_SYNC"),
        (0x100000, "MAP_FIXED_NOREPLACE"), (0x4000000, "MAP_UNINITIALIZED"),
    ]
    /// `MAP_PRIVATE|MAP_ANONYMOUS`: the mapping type, then the flag bits.
    static func mapFlags(_ f: UInt64) -> String {
        let v = f & 0xffff_ffff
        let type = ["0", "MAP_SHARED", "MAP_PRIVATE", "MAP_SHARED_VALIDATE"][Int(v & 3)]
        let rest = v & ~3
        if rest == 0 { return type }
        return (v & 3 == 0 ? "" : type + "|") + flags(rest, mapFlagNames)
    }

    /// mmap(addr, length, prot, flags, fd, offset): the offset in hex as strace prints it.
    static func mmap(_ r: SyscallRecord) -> [String] {
        [pointer(r.arg(0)), String(r.arg(1)), prot(r.arg(2)), mapFlags(r.arg(3)), fdText(r, r.int(4)), r.arg(5) == 0 ? "0" : hex(r.arg(5))]
    }

    static let fcntlCommands: [Int32: String] = [
        0: "F_DUPFD", 1: "F_GETFD", 2: "F_SETFD", 3: "F_GETFL", 4: "F_SETFL", 5: "F_GETLK", 6: "F_SETLK", 7: "F_SETLKW",
        8: "F_SETOWN", 9: "F_GETOWN", 10: "F_SETSIG", 11: "F_GETSIG", 15: "F_SETOWN_EX", 16: "F_GETOWN_EX",
        36: "F_OFD_GETLK", 37: "F_OFD_SETLK", 38: "F_OFD_SETLKW", 1024: "F_SETLEASE", 1025: "F_GETLEASE", 1026: "F_NOTIFY",
        1030: "F_DUPFD_CLOEXEC", 1031: "F_SETPIPE_SZ", 1032: "F_GETPIPE_SZ", 1033: "F_ADD_SEALS", 1034: "F_GET_SEALS",
    ]

    /// fcntl(fd, cmd[, arg]): F_SETFD's FD_CLOEXEC, F_SETFL's O_* flags, lock structs as pointers.
    static func fcntl(_ r: SyscallRecord) -> [String] {
        let cmd = r.int(1)
        var a = [fdText(r, r.int(0)), fcntlCommands[cmd] ?? String(cmd)]
        switch cmd {
        case 1, 3, 9, 11, 1025, 1032, 1034: break // no argument
        case 2: a.append(r.arg(2) & 1 != 0 ? (r.arg(2) == 1 ? "FD_CLOEXEC" : "FD_CLOEXEC|" + hex(r.arg(2) & ~1)) : number(r.arg(2)))
        case 4: a.append(openFlags(r.int(2)))
        case 5, 6, 7, 15, 16, 36, 37, 38: a.append(pointer(r.arg(2)))
        default: a.append(String(r.int(2)))
        }
        return a
    }

    /// fcntl's result: F_GETFD `0x1 (flags FD_CLOEXEC)`, F_GETFL `0x8002 (flags O_RDWR|O_LARGEFILE)`.
    static func fcntlResult(_ r: SyscallRecord) -> String? {
        guard r.name == "fcntl", r.finished, !r.failed else { return nil }
        switch r.int(1) {
        case 1 where r.ret != 0:
            return hex(UInt64(r.ret)) + " (flags " + (r.ret == 1 ? "FD_CLOEXEC" : "FD_CLOEXEC|" + hex(UInt64(r.ret) & ~1)) + ")"
        case 3: return hex(UInt64(r.ret)) + " (flags " + openFlags(Int32(truncatingIfNeeded: r.ret)) + ")"
        default: return nil
        }
    }

    static let waitOptionNames: [(UInt64, String)] = [
        (1, "WNOHANG"), (2, "WUNTRACED"), (4, "WEXITED"), (8, "WCONTINUED"), (0x0100_0000, "WNOWAIT"),
        (0x2000_0000, "__WNOTHREAD"), (0x4000_0000, "__WALL"), (0x8000_0000, "__WCLONE"),
    ]

    /// wait4(pid, status, options, rusage): the status int copied at exit,
    /// `[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]`.
    static func wait4(_ r: SyscallRecord) -> [String] {
        let opts = r.arg(2) & 0xffff_ffff
        let status: String
        if r.arg(1) == 0 { status = "NULL" } else if r.finished && !r.failed && r.ret > 0, let s = r.dataInt32(at: 0) {
            status = "[" + waitStatus(s) + "]"
        } else { status = pointer(r.arg(1)) }
        return [String(r.int(0)), status, opts == 0 ? "0" : flags(opts, waitOptionNames), pointer(r.arg(3))]
    }

    /// strace's printstatus.
    public static func waitStatus(_ s: Int32) -> String {
        let low = s & 0x7f
        var t: String
        if s & 0xff == 0x7f {
            t = "{WIFSTOPPED(s) && WSTOPSIG(s) == \(signalName((s >> 8) & 0xff))}"
        } else if s == 0xffff {
            t = "{WIFCONTINUED(s)}"
        } else if low == 0 {
            t = "{WIFEXITED(s) && WEXITSTATUS(s) == \((s >> 8) & 0xff)}"
        } else {
            t = "{WIFSIGNALED(s) && WTERMSIG(s) == \(signalName(low))" + (s & 0x80 != 0 ? " && WCOREDUMP(s)}" : "}")
        }
        if s >> 16 != 0 && s & 0xff == 0x7f { t += " | " + hex(UInt64((UInt32(bitPattern: s) >> 16) << 16)) }
        return t
    }

    /// kill(pid, SIG), tgkill(tgid, tid, SIG), tkill(tid, SIG).
    static func kill(_ r: SyscallRecord) -> [String] {
        let n = r.name == "tgkill" ? 2 : 1
        return (0..<n).map { String(r.int($0)) } + [signalName(r.int(n))]
    }
}

extension SyscallRecord {
    func dataUInt64(at offset: Int) -> UInt64? { dataInt64(at: offset).map { UInt64(bitPattern: $0) } }
}
