import Foundation
import Glibc
import XCTest
@testable import Workload

final class HeldProcessTests: XCTestCase {
    private var scratch: URL!

    override func setUpWithError() throws {
        // The test runner is not kpath: use the built binary as trampoline.
        HeldProcess.trampolineExecutable = try KpathBinary.require()
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("kpath-held-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDown() {
        HeldProcess.trampolineExecutable = nil
        if let scratch { try? FileManager.default.removeItem(at: scratch) }
    }

    private func contents(_ name: String) -> String? {
        try? String(contentsOf: scratch.appendingPathComponent(name), encoding: .utf8)
    }

    func testHeldShellPrintsItsOwnPIDAfterRelease() throws {
        let out = scratch.appendingPathComponent("pid.txt").path
        let held = try HeldProcess(executable: "/bin/sh", arguments: ["-c", "echo $$"], role: "command", output: .file(out))
        XCTAssertTrue(held.isHeld)
        XCTAssertTrue(held.isRunning)
        try held.release()
        XCTAssertFalse(held.isHeld)
        XCTAssertEqual(held.wait(), 0)
        XCTAssertEqual(contents("pid.txt")?.trimmingCharacters(in: .whitespacesAndNewlines), String(held.pid))
        XCTAssertFalse(held.isRunning)
    }

    func testNothingRunsBeforeRelease() throws {
        let marker = scratch.appendingPathComponent("ran").path
        let held = try HeldProcess(executable: "sh", arguments: ["-c", "echo ran > '\(marker)'"], role: "command")
        XCTAssertEqual(held.executable.hasSuffix("/sh"), true)
        usleep(300_000)
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker))
        // Parked in the trampoline: still the kpath binary.
        let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(held.pid)/exe")
        XCTAssertTrue(exe.hasSuffix("/kpath"), exe)
        try held.release()
        XCTAssertEqual(held.wait(), 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: marker))
    }

    func testDeinitKillsAndReapsAHeldChild() throws {
        var pid: pid_t = 0
        do {
            let held = try HeldProcess(executable: "/bin/sleep", arguments: ["30"], role: "command")
            pid = held.pid
            XCTAssertEqual(kill(pid, 0), 0)
        }
        XCTAssertEqual(kill(pid, 0), -1, "the held child \(pid) is gone")
        XCTAssertEqual(errno, ESRCH)
    }

    func testDeinitKillsAReleasedRunningChild() throws {
        var pid: pid_t = 0
        do {
            let held = try HeldProcess(executable: "/bin/sleep", arguments: ["30"], role: "command")
            pid = held.pid
            try held.release()
            XCTAssertTrue(held.isRunning)
        }
        XCTAssertEqual(kill(pid, 0), -1)
        XCTAssertEqual(errno, ESRCH)
    }

    func testDeathSignalFiresWhenTheSpawningThreadExits() throws {
        // PR_SET_PDEATHSIG is tied to the parent *thread*: this is why
        // sessions spawn on the main thread. Here it proves prctl took effect.
        final class Slot: @unchecked Sendable { var held: HeldProcess?; var error: Error? }
        let slot = Slot()
        let spawned = DispatchSemaphore(value: 0)
        let trampoline = HeldProcess.trampolineExecutable
        Thread.detachNewThread {
            HeldProcess.trampolineExecutable = trampoline
            do { slot.held = try HeldProcess(executable: "/bin/sleep", arguments: ["30"], role: "command") } catch { slot.error = error }
            spawned.signal()
        }
        XCTAssertEqual(spawned.wait(timeout: .now() + 10), .success)
        let held = try XCTUnwrap(slot.held, "\(slot.error.map { "\($0)" } ?? "")")
        XCTAssertTrue(eventually(5) { !held.isRunning }, "the child outlived the thread that spawned it")
        XCTAssertEqual(held.wait(), 128 + SIGKILL)
    }

    func testTerminateReportsTheSignal() throws {
        let held = try HeldProcess(executable: "/bin/sleep", arguments: ["30"], role: "command", output: .discard)
        try held.release()
        held.terminate()
        XCTAssertEqual(held.wait(), 128 + SIGTERM)
        held.terminate()   // already reaped: nothing
        try held.release() // already released: nothing
    }

    func testExitCodeAndReleaseAfterExit() throws {
        let held = try HeldProcess(executable: "/bin/sh", arguments: ["-c", "exit 7"], role: "command")
        try held.release()
        XCTAssertEqual(held.wait(), 7)

        let killed = try HeldProcess(executable: "/bin/true", arguments: [], role: "client")
        killed.terminate(signal: SIGKILL)
        XCTAssertTrue(eventually { !killed.isRunning })
        XCTAssertThrowsWorkloadError(try killed.release()) { error in
            XCTAssertEqual(error, .notRunning(role: "client", pid: killed.pid, status: 128 + SIGKILL))
        }
    }

    func testChildGetsCleanSignalState() throws {
        // The parent has SIGPIPE ignored (EchoServer does that) and blocks
        // SIGINT here; neither may leak into the command.
        _ = try EchoServer(proto: .udp, listen: loopback(0))
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_BLOCK, &set, nil)
        defer { pthread_sigmask(SIG_UNBLOCK, &set, nil) }
        let out = scratch.appendingPathComponent("status").path
        let held = try HeldProcess(executable: "cat", arguments: ["/proc/self/status"], role: "command", output: .file(out))
        try held.release()
        XCTAssertEqual(held.wait(), 0)
        let status = contents("status") ?? ""
        func mask(_ key: String) -> UInt64? {
            status.split(separator: "\n").first { $0.hasPrefix(key + ":") }
                .flatMap { UInt64($0.split(separator: "\t").last ?? "", radix: 16) }
        }
        XCTAssertEqual(mask("SigBlk"), 0)
        XCTAssertEqual((mask("SigIgn") ?? 1) & (1 << (UInt64(SIGPIPE) - 1)), 0)
    }

    func testHeldClientLeavesTheSessionsStdinAlone() throws {
        // Our stdin may be anything; a held echo client must not wait on it.
        let server = try RunningServer(.udp)
        defer { server.stop() }
        let out = scratch.appendingPathComponent("client.out").path
        let held = try HeldProcess(executable: try KpathBinary.require(),
                                   arguments: ["echo", "client", "--to", "\(server.address)", "--timeout", "2"],
                                   role: "client", output: .file(out))
        try held.release()
        XCTAssertTrue(eventually(5) { !held.isRunning })
        held.terminate(signal: SIGKILL)
        XCTAssertEqual(held.wait(), 0)
        XCTAssertEqual(contents("client.out")?.split(separator: "\n").first, "packet-written: bytes=5")
    }

    func testResolveExecutable() throws {
        let sh = try HeldProcess.resolveExecutable("sh")
        XCTAssertTrue(sh.hasSuffix("/sh"))
        XCTAssertEqual(try HeldProcess.resolveExecutable("/bin/sh"), "/bin/sh")
        XCTAssertThrowsWorkloadError(try HeldProcess.resolveExecutable("no-such-command-kpath")) { error in
            XCTAssertEqual(error.description, "command not found: no-such-command-kpath")
        }
        XCTAssertThrowsWorkloadError(try HeldProcess.resolveExecutable("/etc/passwd")) {
            XCTAssertEqual($0, .commandNotFound("/etc/passwd"))
        }
        XCTAssertThrowsWorkloadError(try HeldProcess(executable: "no-such-command-kpath", arguments: [], role: "command")) {
            XCTAssertEqual($0, .commandNotFound("no-such-command-kpath"))
        }
        XCTAssertTrue(HeldProcess.selfExecutable.hasPrefix("/"))
    }

    func testATrampolineThatIsNotKpathIsRefused() throws {
        HeldProcess.trampolineExecutable = "/bin/true"
        XCTAssertThrowsWorkloadError(try HeldProcess(executable: "/bin/true", arguments: [], role: "command",
                                                     readyTimeout: 3)) { error in
            guard case .spawnFailed = error else { return XCTFail("\(error)") }
            XCTAssertTrue(error.description.contains("did not report ready"), error.description)
        }
    }

    func testHeldEchoServerAndClient() throws {
        let kpath = try KpathBinary.require()
        let serverOut = scratch.appendingPathComponent("server.out").path
        let server = try HeldProcess(executable: kpath, arguments: ["echo", "server", "--proto", "udp", "--listen", "127.0.0.1:0"],
                                     role: "server", output: .file(serverOut))
        try server.release()
        var listening: String?
        XCTAssertTrue(eventually(5) {
            listening = contents("server.out")?.split(separator: "\n").first.map(String.init)
            return listening?.hasSuffix("(udp)") ?? false
        })
        let address = try XCTUnwrap(listening?.split(separator: " ").dropFirst(2).first.map(String.init))
        let clientOut = scratch.appendingPathComponent("client.out").path
        let client = try HeldProcess(executable: kpath, arguments: ["echo", "client", "--to", address, "--message", "held"],
                                     role: "client", output: .file(clientOut))
        try client.release()
        XCTAssertEqual(client.wait(), 0)
        XCTAssertEqual(contents("client.out"), "packet-written: bytes=4\npacket-received: bytes=4 from=\(address)\n")
        server.terminate()
        XCTAssertEqual(server.wait(), 0)
        XCTAssertTrue(contents("server.out")?.hasSuffix("cancelled\n") ?? false, contents("server.out") ?? "")
    }
}
