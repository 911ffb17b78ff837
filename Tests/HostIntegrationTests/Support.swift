// What the host tests share: where the kpath binary is, and running a
// command to its end with its output collected.
import Foundation
import Glibc
import XCTest

/// $KPATH_BINARY, else the kpath built next to this test bundle.
func kpathBinary() -> String {
    if let p = ProcessInfo.processInfo.environment["KPATH_BINARY"] { return p }
    for b in Bundle.allBundles where b.bundlePath.hasSuffix(".xctest") {
        return URL(fileURLWithPath: b.bundlePath).deletingLastPathComponent().appendingPathComponent("kpath").path
    }
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    return exe.deletingLastPathComponent().appendingPathComponent("kpath").path
}

extension XCTestCase {
    /// `kpath echo server` on 127.0.0.1, an ephemeral port; stopped at the end of the test.
    func startEchoServer(_ proto: String) throws -> UInt16 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: kpathBinary())
        p.arguments = ["echo", "server", "--proto", proto, "--listen", "127.0.0.1:0"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        addTeardownBlock { p.terminate(); p.waitUntilExit() }
        // "listening on 127.0.0.1:PORT (udp)"
        let listening = #"listening on 127\.0\.0\.1:(\d+)"#
        let text = readText(out.fileHandleForReading.fileDescriptor, seconds: 10) { $0.range(of: listening, options: .regularExpression) != nil }
        if let r = text.range(of: listening, options: .regularExpression), let port = text[r].split(separator: ":").last.flatMap({ UInt16($0) }) {
            return port
        }
        throw XCTSkip("kpath echo server did not start: \(text)")
    }
}

/// What `fd` delivers, read as it comes until `done(text)` holds, the writer
/// closes, or `seconds` pass.
func readText(_ fd: Int32, seconds: Double, until done: (String) -> Bool) -> String {
    var text = ""
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline, !done(text) {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, 200) > 0 else { continue }
        var buf = [UInt8](repeating: 0, count: 65536)
        let n = read(fd, &buf, buf.count)
        if n <= 0 { break }
        text += String(decoding: buf[0..<n], as: UTF8.self)
    }
    return text
}

/// A host test that runs the kpath binary: as root (kpath loads BPF programs),
/// each command to its end within a minute unless told otherwise.
class KpathHostTestCase: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(geteuid() == 0, "kpath loads BPF programs: run as root")
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: kpathBinary()), "no kpath binary: swift build")
    }

    func kpath(_ args: [String], timeout: Double = 60) throws -> CommandRun {
        try runCommand(kpathBinary(), args, timeout: timeout, failOnTimeout: true)
    }

    func lines(_ s: String) -> [String] { s.split(separator: "\n").map(String.init) }
}

/// A finished command: its exit status and what it printed.
struct CommandRun {
    var status: Int32
    var stdout: String
    var stderr: String
    var lines: [String] { stdout.split(separator: "\n").map(String.init) }
}

private final class Collected: @unchecked Sendable { var data = Data() }

/// Runs `exe args` to its end, stdin from /dev/null, stdout and stderr
/// collected (read as they come, so a chatty command never blocks on a full
/// pipe). `interruptAfter`: SIGINT after so many seconds, as Ctrl-C. At
/// `timeout`: `stopSignal`, then SIGKILL half a second later; with
/// `failOnTimeout` that is a test failure.
func runCommand(_ exe: String, _ args: [String], environment: [String: String] = [:], directory: String? = nil,
                interruptAfter: Double? = nil, timeout: Double = 120, stopSignal: Int32 = SIGKILL,
                failOnTimeout: Bool = false) throws -> CommandRun {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: exe)
    p.arguments = args
    if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = FileHandle.nullDevice
    try p.run()
    let o = Collected(), e = Collected()
    let group = DispatchGroup()
    DispatchQueue.global().async(group: group) { o.data = out.fileHandleForReading.readDataToEndOfFile() }
    DispatchQueue.global().async(group: group) { e.data = err.fileHandleForReading.readDataToEndOfFile() }
    let start = Date()
    var interrupted = false
    while p.isRunning && Date().timeIntervalSince(start) < timeout {
        if let i = interruptAfter, !interrupted, Date().timeIntervalSince(start) >= i {
            kill(p.processIdentifier, SIGINT)
            interrupted = true
        }
        usleep(20_000)
    }
    if p.isRunning {
        if failOnTimeout { XCTFail("\(exe) \(args) did not finish in \(timeout) s") }
        kill(p.processIdentifier, stopSignal)
        if stopSignal != SIGKILL {
            usleep(500_000)
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        }
    }
    p.waitUntilExit()
    group.wait()
    return CommandRun(status: p.terminationStatus, stdout: String(decoding: o.data, as: UTF8.self),
                      stderr: String(decoding: e.data, as: UTF8.self))
}
