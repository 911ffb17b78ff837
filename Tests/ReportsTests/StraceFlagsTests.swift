// Issue 17's flag decoding and stream habits from fixed records, each
// expected line as strace 6.1 printed the same call on this host: clone,
// clone3, mmap, fcntl, wait4, kill, signals, <unfinished ...>/<... resumed>, -x/-xx.
import XCTest
@testable import Reports
@testable import Sessions

final class StraceFlagsTests: XCTestCase {
    let o = Strace.Options(align: false)
    func le(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    func le32(_ v: Int32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: UInt32(bitPattern: v) >> (8 * $0)) } }

    func testClone() {
        let r = SyscallRecord(pid: 7, name: "clone", args: [0x1200011, 0, 0, 0x7f8266a1ce50, 0], ret: 509)
        XCTAssertEqual(StraceFormat.line(r, o),
                       "clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f8266a1ce50) = 509")
    }

    func testClone3WithItsStruct() {
        let flags: UInt64 = 0x3d0f00
        let data = le(flags) + le(0) + le(0x7f8266757990) + le(0x7f8266757990) + le(0) + le(0x7f8265f57000) + le(0x7fff80) + le(0x7f82667576c0)
            + le(0) + le(0) + le(0)
        let r = SyscallRecord(pid: 7, name: "clone3", args: [0x7ffd0000, 88], ret: 508, data: data)
        XCTAssertEqual(StraceFormat.line(r, o), "clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x7f8266757990, parent_tid=0x7f8266757990, exit_signal=0, stack=0x7f8265f57000, stack_size=0x7fff80, tls=0x7f82667576c0} => {parent_tid=[508]}, 88) = 508")
        // not copied: the pointer, as before
        let bare = SyscallRecord(pid: 7, name: "clone3", args: [0x7ffd0000, 88], ret: 508)
        XCTAssertEqual(StraceFormat.line(bare, o), "clone3(0x7ffd0000, 88) = 508")
    }

    func testMemoryCalls() {
        let m = SyscallRecord(pid: 7, name: "mmap", args: [0x7f4b5fa3b000, 1_400_832, 5, 0x812, 3, 0x26000], ret: 0x7f4b5fa3b000)
        XCTAssertEqual(StraceFormat.line(m, o), "mmap(0x7f4b5fa3b000, 1400832, PROT_READ|PROT_EXEC, MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE, 3, 0x26000) = 0x7f4b5fa3b000")
        let anon = SyscallRecord(pid: 7, name: "mmap", args: [0, 8192, 3, 0x22, UInt64(UInt32.max), 0], ret: 0x7f4b5fc01000)
        XCTAssertEqual(StraceFormat.line(anon, o), "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f4b5fc01000")
        let p = SyscallRecord(pid: 7, name: "mprotect", args: [0x7f4b5fbe4000, 16384, 0], ret: 0)
        XCTAssertEqual(StraceFormat.line(p, o), "mprotect(0x7f4b5fbe4000, 16384, PROT_NONE) = 0")
        let u = SyscallRecord(pid: 7, name: "munmap", args: [0x7f4b5fbf7000, 40003], ret: 0)
        XCTAssertEqual(StraceFormat.line(u, o), "munmap(0x7f4b5fbf7000, 40003) = 0")
    }

    func testFcntl() {
        XCTAssertEqual(StraceFormat.line(SyscallRecord(pid: 1, name: "fcntl", args: [3, 1, 0], ret: 1), o), "fcntl(3, F_GETFD) = 0x1 (flags FD_CLOEXEC)")
        XCTAssertEqual(StraceFormat.line(SyscallRecord(pid: 1, name: "fcntl", args: [1, 1, 0], ret: 0), o), "fcntl(1, F_GETFD) = 0")
        XCTAssertEqual(StraceFormat.line(SyscallRecord(pid: 1, name: "fcntl", args: [1, 2, 1], ret: 0), o), "fcntl(1, F_SETFD, FD_CLOEXEC) = 0")
        XCTAssertEqual(StraceFormat.line(SyscallRecord(pid: 1, name: "fcntl", args: [1, 3, 0], ret: 0x8001), o), "fcntl(1, F_GETFL) = 0x8001 (flags O_WRONLY|O_LARGEFILE)")
        XCTAssertEqual(StraceFormat.line(SyscallRecord(pid: 1, name: "fcntl", args: [1, 4, 0o4000], ret: 0), o), "fcntl(1, F_SETFL, O_RDONLY|O_NONBLOCK) = 0")
        XCTAssertEqual(StraceFormat.line(SyscallRecord(pid: 1, name: "fcntl", args: [1, 1030, 10], ret: 11), o), "fcntl(1, F_DUPFD_CLOEXEC, 10) = 11")
        XCTAssertEqual(StraceFormat.line(SyscallRecord(pid: 1, name: "fcntl", args: [255, 1, 0], ret: -9), o), "fcntl(255, F_GETFD) = -1 EBADF (Bad file descriptor)")
    }

    func testWait4Status() {
        let r = SyscallRecord(pid: 1, name: "wait4", args: [UInt64(bitPattern: -1), 0x7ffc0a57a590, 1, 0], ret: 501, data: le32(0))
        XCTAssertEqual(StraceFormat.line(r, o), "wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], WNOHANG, NULL) = 501")
        let e = SyscallRecord(pid: 1, name: "wait4", args: [UInt64(bitPattern: -1), 0x7ffc0a57a590, 1, 0], ret: -10)
        XCTAssertEqual(StraceFormat.line(e, o), "wait4(-1, 0x7ffc0a57a590, WNOHANG, NULL) = -1 ECHILD (No child processes)")
        XCTAssertEqual(StraceFormat.waitStatus(3 << 8), "{WIFEXITED(s) && WEXITSTATUS(s) == 3}")
        XCTAssertEqual(StraceFormat.waitStatus(9), "{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}")
        XCTAssertEqual(StraceFormat.waitStatus(0x8b), "{WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV && WCOREDUMP(s)}")
        XCTAssertEqual(StraceFormat.waitStatus(0x137f), "{WIFSTOPPED(s) && WSTOPSIG(s) == SIGSTOP}")
        XCTAssertEqual(StraceFormat.line(SyscallRecord(pid: 1, name: "kill", args: [418, 10], ret: 0), o), "kill(418, SIGUSR1) = 0")
    }

    func signal(_ sig: Int32, code: Int32, fields: [UInt8]) -> SyscallRecord {
        var r = SyscallRecord(pid: 1, name: "signal", args: [UInt64(sig), 0, UInt64(bitPattern: Int64(code)), 0, 0], ret: 0,
                              data: le32(sig) + le32(0) + le32(code) + le32(0) + fields)
        r.isSignal = true
        return r
    }

    func testSignalLines() {
        let chld = signal(17, code: 1, fields: le32(501) + le32(0) + le32(3) + le32(0) + le(0) + le(0))
        XCTAssertEqual(StraceFormat.line(chld, Strace.Options()),
                       "--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=501, si_uid=0, si_status=3, si_utime=0, si_stime=0} ---")
        let usr1 = signal(10, code: 0, fields: le32(418) + le32(0) + Array(repeating: 0, count: 24))
        XCTAssertEqual(StraceFormat.line(usr1, o), "--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_USER, si_pid=418, si_uid=0} ---")
        let segv = signal(11, code: 1, fields: le(0) + Array(repeating: 0, count: 24))
        XCTAssertEqual(StraceFormat.line(segv, o), "--- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL} ---")
        // strace -c counts syscalls only
        var s = SyscallSummary()
        s.add(chld)
        XCTAssertEqual(s.totalCalls, 0)
        XCTAssertEqual(StraceFormat.exitLine(status: 128 + 2), "+++ killed by SIGINT +++")
    }

    func testUnfinishedAndResumedWhenThreadsInterleave() {
        var entry = SyscallRecord(pid: 10, name: "wait4", args: [509, 0x7ffc, 0, 0], ret: 0, enterNs: 100, exitNs: 0)
        entry.isEntry = true
        let child = SyscallRecord(pid: 509, name: "exit_group", args: [3], ret: 0, enterNs: 150, exitNs: 0)
        let done = SyscallRecord(pid: 10, name: "wait4", args: [509, 0x7ffc, 0, 0], ret: 509, enterNs: 100, exitNs: 200, data: le32(3 << 8))
        var stream = StraceStream(options: Strace.Options(), traced: 10)
        XCTAssertEqual(stream.lines([entry, child, done]), """
            [pid    10] wait4(509,  <unfinished ...>
            [pid   509] exit_group(3)               = ?
            [pid    10] <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 509

            """)
        // nothing in between: one line, as strace prints it
        var alone = StraceStream(options: o, traced: 10)
        XCTAssertEqual(alone.lines([entry, done]), "wait4(509, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 509\n")
        // an exit whose entry kpath did not see (-p attached mid-call)
        var r = SyscallRecord(pid: 10, name: "rt_sigsuspend", args: [], ret: -514)
        r.resumed = true
        XCTAssertEqual(StraceFormat.line(r, o), "<... rt_sigsuspend resumed>) = ? ERESTARTNOHAND (To be restarted if no handler)")
    }

    func testHexStrings() {
        let r = SyscallRecord(pid: 1, name: "write", args: [1, 0x10, 5], ret: 5, data: [0x61, 0x0a, 0x01, 0xff, 0x22])
        XCTAssertEqual(StraceFormat.line(r, Strace.Options(align: false, hexStrings: 1)), #"write(1, "\x61\x0a\x01\xff\x22", 5) = 5"#)
        let text = SyscallRecord(pid: 1, name: "write", args: [1, 0x10, 4], ret: 4, data: Array("a\nb\t".utf8))
        XCTAssertEqual(StraceFormat.line(text, Strace.Options(align: false, hexStrings: 1)), #"write(1, "a\nb\t", 4) = 4"#)
        XCTAssertEqual(StraceFormat.line(text, Strace.Options(align: false, hexStrings: 2)), #"write(1, "\x61\x0a\x62\x09", 4) = 4"#)
    }
}
