// strace's habits from fixed records (issue 17): execve's argv, -c's table,
// -y's fd names, SO_ERROR as an errno name, the -e classes and `!`.
import XCTest
@testable import Reports
@testable import Sessions

final class StraceHabitsTests: XCTestCase {
    func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    func testExecveArgvAndEnvCount() {
        let data = bytes("/bin/sh") + [0] + bytes("sh") + [0] + bytes("-c") + [0] + bytes("echo hi; ls /tmp") + [0]
        let r = SyscallRecord(pid: 7, name: "execve", args: [0x5600, 0x7ffd10, 0x7ffd90], ret: 0, data: data, msg: [3, 3, 35])
        XCTAssertEqual(StraceFormat.line(r, Strace.Options(align: false)),
                       #"execve("/bin/sh", ["sh", "-c", "echo hi; ls /tmp"], 0x7ffd90 /* 35 vars */) = 0"#)
        // -s cuts each string; more arguments than recorded end in `...`
        let more = SyscallRecord(pid: 7, name: "execve", args: [0x5600, 0x7ffd10, 0x7ffd90], ret: 0, data: data, msg: [3, 40, 1])
        XCTAssertEqual(StraceFormat.line(more, Strace.Options(stringLimit: 4, align: false)),
                       #"execve("/bin/sh", ["sh", "-c", "echo"..., ...], 0x7ffd90 /* 1 var */) = 0"#)
    }

    func testSummaryTableIsStraceCs() {
        var s = SyscallSummary()
        for _ in 0..<4 { s.add(SyscallRecord(pid: 1, name: "wait4", args: [], ret: -10, enterNs: 0, exitNs: 894_250)) }
        s.add(SyscallRecord(pid: 1, name: "close", args: [3], ret: 0, enterNs: 0, exitNs: 3_000))
        XCTAssertEqual(StraceSummary.table(s), """
            % time     seconds  usecs/call     calls    errors syscall
            ------ ----------- ----------- --------- --------- ----------------
             99.92    0.003577         894         4         4 wait4
              0.08    0.000003           3         1           close
            ------ ----------- ----------- --------- --------- ----------------
            100.00    0.003580         716         5         4 total

            """)
    }

    func testFdNamesUnderY() {
        var r = SyscallRecord(pid: 1, name: "openat", args: [UInt64(bitPattern: -100), 0x10, 0], ret: 3, data: bytes("/etc/hosts"))
        r.fdNames = [3: "/etc/hosts"]
        XCTAssertEqual(StraceFormat.line(r, Strace.Options(align: false)), #"openat(AT_FDCWD, "/etc/hosts", O_RDONLY) = 3</etc/hosts>"#)
        var c = SyscallRecord(pid: 1, name: "connect", args: [4, 0x1000, 16], ret: -111, addr: [2, 0, 0x1e, 0x61, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0])
        c.fdNames = [4: "socket:[1234]"]
        XCTAssertEqual(StraceFormat.line(c, Strace.Options(align: false)),
                       #"connect(4<socket:[1234]>, {sa_family=AF_INET, sin_port=htons(7777), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 ECONNREFUSED (Connection refused)"#)
    }

    func testFDNamesFallsBackToTheOpenedPath() {
        let names = FDNames()
        // pid 0x7fffffff does not exist: /proc has nothing, the path opened stands in
        var open = SyscallRecord(pid: Int32.max, name: "openat", args: [UInt64(bitPattern: -100), 0x10, 0], ret: 5, data: bytes("/etc/hostname"))
        names.annotate(&open)
        XCTAssertEqual(open.fdNames, [5: "/etc/hostname"])
        var close = SyscallRecord(pid: Int32.max, name: "close", args: [5], ret: 0)
        names.annotate(&close)
        XCTAssertEqual(close.fdNames, [5: "/etc/hostname"])
        var again = SyscallRecord(pid: Int32.max, name: "close", args: [5], ret: -9)
        names.annotate(&again)
        XCTAssertNil(again.fdNames, "a closed fd is forgotten")
    }

    func testSOErrorIsAnErrnoName() {
        let r = SyscallRecord(pid: 1, name: "getsockopt", args: [3, 1, 4, 0x100, 0x200], ret: 0, data: [111, 0, 0, 0], lenIn: 4, lenOut: 4)
        XCTAssertEqual(StraceFormat.line(r, Strace.Options(align: false)), "getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0")
    }

    func testClassesAndNegation() throws {
        let file = try SyscallFilter.parse("trace=%file")
        XCTAssertTrue(file.selects("openat") && file.selects("execve") && !file.selects("read") && !file.selects("mmap"))
        let net = try SyscallFilter.parse("%net")
        XCTAssertTrue(net.selects("connect") && net.selects("sendfile") && !net.selects("read"))
        XCTAssertTrue(try SyscallFilter.parse("%process").selects("clone3"))
        XCTAssertTrue(try SyscallFilter.parse("%signal").selects("rt_sigaction"))
        XCTAssertTrue(try SyscallFilter.parse("%memory").selects("mprotect"))
        XCTAssertTrue(try SyscallFilter.parse("%desc").selects("fcntl"))
        let not = try SyscallFilter.parse("trace=!close,%memory")
        XCTAssertTrue(not.selects("openat") && !not.selects("close") && !not.selects("mmap"))
        let numbers = try XCTUnwrap(not.numbers())
        XCTAssertFalse(numbers.contains(3), "close is not recorded")
        XCTAssertTrue(numbers.contains(257), "openat is")
        XCTAssertThrowsError(try SyscallFilter.parse("!socket-io"))
        XCTAssertThrowsError(try SyscallFilter.parse("%nosuchclass"))
    }
}
