import Sessions

// Signals as strace prints them: names, and the `--- SIGCHLD {si_signo=...} ---`
// line for a signal delivered (bpf/syscalls.bpf.c, signal:signal_deliver),
// decoded from the first KP_SIGINFO_SIZE bytes of the kernel's siginfo.
extension StraceFormat {
    static let signalNames: [Int32: String] = [
        1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE",
        9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM",
        16: "SIGSTKFLT", 17: "SIGCHLD", 18: "SIGCONT", 19: "SIGSTOP", 20: "SIGTSTP", 21: "SIGTTIN", 22: "SIGTTOU",
        23: "SIGURG", 24: "SIGXCPU", 25: "SIGXFSZ", 26: "SIGVTALRM", 27: "SIGPROF", 28: "SIGWINCH", 29: "SIGIO",
        30: "SIGPWR", 31: "SIGSYS", 34: "SIGRTMIN",
    ]

    /// `SIGCHLD`; real-time signals `SIGRT_3` (SIGRTMIN + 3) as strace names them; else the number.
    public static func signalName(_ s: Int32) -> String {
        if let n = signalNames[s] { return n }
        if s > 34 && s <= 64 { return "SIGRT_\(s - 34)" }
        return String(s)
    }

    static let userCodes: [Int32: String] = [
        0: "SI_USER", 0x80: "SI_KERNEL", -1: "SI_QUEUE", -2: "SI_TIMER", -3: "SI_MESGQ", -4: "SI_ASYNCIO", -5: "SI_SIGIO", -6: "SI_TKILL",
    ]
    static let kernelCodes: [Int32: [String]] = [ // per signal, codes from 1
        17: ["CLD_EXITED", "CLD_KILLED", "CLD_DUMPED", "CLD_TRAPPED", "CLD_STOPPED", "CLD_CONTINUED"],
        11: ["SEGV_MAPERR", "SEGV_ACCERR", "SEGV_BNDERR", "SEGV_PKUERR"],
        7: ["BUS_ADRALN", "BUS_ADRERR", "BUS_OBJERR", "BUS_MCEERR_AR", "BUS_MCEERR_AO"],
        4: ["ILL_ILLOPC", "ILL_ILLOPN", "ILL_ILLADR", "ILL_ILLTRP", "ILL_PRVOPC", "ILL_PRVREG", "ILL_COPROC", "ILL_BADSTK"],
        8: ["FPE_INTDIV", "FPE_INTOVF", "FPE_FLTDIV", "FPE_FLTOVF", "FPE_FLTUND", "FPE_FLTRES", "FPE_FLTINV", "FPE_FLTSUB"],
        5: ["TRAP_BRKPT", "TRAP_TRACE", "TRAP_BRANCH", "TRAP_HWBKPT"],
        29: ["POLL_IN", "POLL_OUT", "POLL_MSG", "POLL_ERR", "POLL_PRI", "POLL_HUP"],
        31: ["SYS_SECCOMP"],
    ]

    static func siCode(signal: Int32, _ code: Int32) -> String {
        if code <= 0 || code == 0x80 { return userCodes[code] ?? String(code) }
        if let names = kernelCodes[signal], code >= 1, Int(code) <= names.count { return names[Int(code) - 1] }
        return String(code)
    }

    /// `--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=1234, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---`
    public static func signalLine(_ r: SyscallRecord) -> String {
        let sig = r.int(0), name = signalName(sig)
        guard let code = r.dataInt32(at: 8), let errno = r.dataInt32(at: 4) else { return "--- \(name) ---" }
        var f = ["si_signo=" + name]
        if errno != 0 { f.append("si_errno=" + errnoName(errno)) }
        f.append("si_code=" + siCode(signal: sig, code))
        let i32 = { (o: Int) in r.dataInt32(at: o) ?? 0 }
        let i64 = { (o: Int) in r.dataInt64(at: o) ?? 0 }
        if code <= 0 || code == 0x80 {
            switch code {
            case 0, -6: f += ["si_pid=\(i32(16))", "si_uid=\(UInt32(bitPattern: i32(20)))"]
            case -1, -3, -4: f += ["si_pid=\(i32(16))", "si_uid=\(UInt32(bitPattern: i32(20)))", "si_int=\(i32(24))", "si_ptr=" + pointer(UInt64(bitPattern: i64(24)))]
            case -2: f += ["si_timerid=" + hex(UInt64(UInt32(bitPattern: i32(16)))), "si_overrun=\(i32(20))", "si_int=\(i32(24))", "si_ptr=" + pointer(UInt64(bitPattern: i64(24)))]
            default: break
            }
        } else {
            switch sig {
            case 17:
                let status = i32(24)
                let s = code == 1 ? String(status) : signalName(status)
                f += ["si_pid=\(i32(16))", "si_uid=\(UInt32(bitPattern: i32(20)))", "si_status=" + s, "si_utime=\(i64(32))", "si_stime=\(i64(40))"]
            case 4, 7, 8, 11, 5: f.append("si_addr=" + pointer(UInt64(bitPattern: i64(16))))
            case 29: f += ["si_band=\(i64(16))", "si_fd=\(i32(24))"]
            default: break
            }
        }
        return "--- \(name) {" + f.joined(separator: ", ") + "} ---"
    }
}
