// The kernel's per-program run statistics (ProgramStats, BPFStatsSwitch) on a
// tracepoint program, which this host allows: scripts/bench-vs reads the same
// numbers of kprobe programs in the VMs to give the cost of one hit.
import BPFObjects
import Glibc
import KernelInfo
import Libbpf
import XCTest

final class ProgramStatsHostTests: XCTestCase {
    func testRunStatsCountATracepointProgramWhileSwitchedOn() throws {
        guard getuid() == 0 else { throw XCTSkip("loading BPF programs needs root") }
        let sysctl = "/proc/sys/kernel/bpf_stats_enabled"
        let sysctlBefore = readSysctl(sysctl)
        let object = try BPFObject(name: "phases", bytes: BPFObjects.bytes(.phases))
        for p in object.programs where p.name != "phase_exit" { p.autoload = false }
        try object.load()
        let program = try object.program("phase_exit")   // raw_syscalls:sys_exit, every process
        let link = try program.attach()

        var on: BPFStatsSwitch? = try BPFStatsSwitch()
        let before = try XCTUnwrap(program.runStats)
        for _ in 0..<1000 { _ = getppid() }
        let ran = try XCTUnwrap(program.runStats).since(before)
        XCTAssertGreaterThanOrEqual(ran.runCount, 1000, "one run per syscall exit, ours alone are 1000")
        XCTAssertGreaterThan(ran.runTimeNs, 0)
        XCTAssertNotNil(ran.nsPerRun)

        // Another process's view, by id (how bench-vs reads bpftrace's programs).
        let id = try XCTUnwrap(BPFInventory.programs().first { $0.name == "phase_exit" && $0.stats.runCount >= before.runCount + 1000 })
        XCTAssertGreaterThan(id.stats.runTimeNs, before.runTimeNs)

        on = nil
        XCTAssertEqual(readSysctl(sysctl), sysctlBefore, "the switch never touches the sysctl")
        if sysctlBefore == "0" {
            let off = try XCTUnwrap(program.runStats)
            for _ in 0..<1000 { _ = getppid() }
            XCTAssertEqual(try XCTUnwrap(program.runStats).runCount, off.runCount, "no counting once off")
        }
        withExtendedLifetime((link, on)) {}
    }

    /// KprobeMultiInfo reads link info with a hand-made layout: on a link of
    /// another type (this host has no kprobes) it must answer nil, never pairs
    /// that would key funccount's hits wrongly. The kprobe.multi case is
    /// checked in the VMs (Tests/vm funccount: exact counts on 6.12).
    func testKprobeMultiInfoRefusesALinkOfAnotherType() throws {
        guard getuid() == 0 else { throw XCTSkip("loading BPF programs needs root") }
        let object = try BPFObject(name: "phases", bytes: BPFObjects.bytes(.phases))
        for p in object.programs where p.name != "phase_exit" { p.autoload = false }
        try object.load()
        let link = try object.program("phase_exit").attach()
        XCTAssertGreaterThanOrEqual(link.fd, 0)
        XCTAssertNil(KprobeMultiInfo.addressCookies(link, capacity: 4))
        link.detach()
        XCTAssertEqual(link.fd, -1)
        XCTAssertNil(KprobeMultiInfo.addressCookies(link, capacity: 4))
    }

    private func readSysctl(_ path: String) -> String? {
        guard let f = fopen(path, "r") else { return nil }
        defer { fclose(f) }
        var buf = [CChar](repeating: 0, count: 16)
        guard fgets(&buf, 16, f) != nil else { return nil }
        return String(cString: buf).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
