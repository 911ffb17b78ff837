import Foundation
import Glibc
import XCTest
@testable import Workload

/// An in-process echo server on a background thread.
final class RunningServer {
    let server: EchoServer
    private let done = DispatchSemaphore(value: 0)

    /// `listen` nil: the protocol's loopback with port 0, or for Unix sockets a
    /// fresh abstract name (several servers live in one test process).
    init(_ proto: EchoProto, listen: String? = nil) throws {
        let box = EventBox()
        let text = listen ?? (proto.isUnix ? "@kpath-test-\(getpid())-\(nextName())" : proto.defaultListen)
        let server = try EchoServer(proto: proto, listen: EchoAddress(parsing: text, for: proto, listening: true)) { event in
            box.append(event)
        }
        self.server = server
        self.box = box
        let done = self.done
        Thread.detachNewThread {
            try? server.serve()
            done.signal()
        }
    }

    private let box: EventBox

    var address: EchoAddress { server.localAddress }
    var recorded: [EchoServerEvent] { box.events }

    /// Stops it and waits (bounded) for serve() to return.
    @discardableResult
    func stop(timeout: Double = 3) -> Bool {
        server.stop()
        return done.wait(timeout: .now() + timeout) == .success
    }

    deinit { server.stop() }
}

private let nameLock = NSLock()
nonisolated(unsafe) private var names = 0
private func nextName() -> Int { nameLock.lock(); defer { nameLock.unlock() }; names += 1; return names }

final class EventBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [EchoServerEvent] = []
    func append(_ e: EchoServerEvent) { lock.lock(); stored.append(e); lock.unlock() }
    var events: [EchoServerEvent] { lock.lock(); defer { lock.unlock() }; return stored }
}

/// A raw socket helper for tests (silent servers, refused ports).
struct RawSocket {
    let fd: Int32
    let port: UInt16

    /// A socket bound to 127.0.0.1:0 (TCP: listening, never accepting).
    init(_ proto: EchoProto, listen: Bool = true) throws {
        let type = proto == .udp ? Int32(SOCK_DGRAM.rawValue) : Int32(SOCK_STREAM.rawValue)
        let fd = socket(AF_INET, type | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw XCTSkip("socket failed") }
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_addr.s_addr = inet_addr("127.0.0.1")
        sin.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &sin) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        XCTAssertEqual(bound, 0)
        if proto == .tcp && listen { XCTAssertEqual(Glibc.listen(fd, 64), 0) }
        _ = withUnsafeMutablePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        self.fd = fd
        self.port = UInt16(bigEndian: sin.sin_port)
    }

    /// A TCP connection to 127.0.0.1:port.
    init(connectingTo port: UInt16) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_addr.s_addr = inet_addr("127.0.0.1")
        sin.sin_port = port.bigEndian
        let rc = withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        XCTAssertEqual(rc, 0, "connect: \(String(cString: strerror(errno)))")
        var tv = timeval(tv_sec: 3, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        self.fd = fd
        self.port = port
    }

    func send(_ text: String) -> Int { Array(text.utf8).withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) } }

    func receive(_ count: Int) -> String {
        var buffer = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, count - got) }
            if n <= 0 { break }
            got += n
        }
        return String(decoding: buffer[0..<got], as: UTF8.self)
    }

    func close() { _ = Glibc.close(fd) }
}

/// A free loopback port with nothing on it (bound, then closed).
func unusedPort(_ proto: EchoProto) throws -> UInt16 {
    let s = try RawSocket(proto, listen: false)
    s.close()
    return s.port
}

func loopback(_ port: UInt16) -> EchoAddress { EchoAddress(host: "127.0.0.1", port: port) }

/// Waits (bounded) until `condition` holds.
func eventually(_ timeout: Double = 3, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

func XCTAssertThrowsWorkloadError<T>(_ body: @autoclosure () throws -> T, _ check: (WorkloadError) -> Void,
                                     file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try body(), file: file, line: line) { error in
        guard let error = error as? WorkloadError else {
            return XCTFail("not a WorkloadError: \(error)", file: file, line: line)
        }
        XCTAssertFalse(error.description.contains("\n"), "one line: \(error)", file: file, line: line)
        check(error)
    }
}

// MARK: - The built kpath binary

enum KpathBinary {
    /// .build-workload/debug/kpath, found next to the test bundle.
    static var path: String? {
        var dirs: [URL] = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
        if let exe = Bundle.main.executableURL { dirs.append(exe.deletingLastPathComponent()) }
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            dirs.append(bundle.bundleURL.deletingLastPathComponent())
        }
        for dir in dirs {
            let candidate = dir.appendingPathComponent("kpath").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static func require() throws -> String {
        guard let path else {
            throw XCTSkip("the kpath binary is not built next to the test bundle (\(Bundle.main.bundleURL.path)); "
                          + "build it first: swift build --scratch-path .build-workload")
        }
        return path
    }
}

struct RunResult {
    var status: Int32
    var signalled: Bool
    var stdout: String
    var stderr: String
    var stderrLines: [String] { stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
    var stdoutLines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
}

/// A started kpath process with pipes, killed if it outlives `timeout`.
final class KpathProcess {
    let process = Process()
    private let out = Pipe(), err = Pipe(), input = Pipe()
    private var buffered = Data()

    init(_ arguments: [String], timeout: Double = 15) throws {
        process.executableURL = URL(fileURLWithPath: try KpathBinary.require())
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        let process = self.process
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
    }

    var pid: pid_t { process.processIdentifier }

    func write(_ text: String) { input.fileHandleForWriting.write(text.data(using: .utf8)!) }
    func closeInput() { try? input.fileHandleForWriting.close() }

    /// The next stdout line, or nil after `timeout` seconds.
    func readLine(timeout: Double = 5) -> String? {
        let fd = out.fileHandleForReading.fileDescriptor
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let nl = buffered.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffered[buffered.startIndex..<nl], as: UTF8.self)
                buffered = Data(buffered[buffered.index(after: nl)...])
                return line
            }
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return nil }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&pfd, 1, Int32(left * 1000)) <= 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = read(fd, &chunk, chunk.count)
            if n <= 0 { return nil }
            buffered.append(contentsOf: chunk[0..<n])
        }
    }

    /// Waits (bounded) for the process to exit, without touching its stdin.
    @discardableResult
    func waitForExit(timeout: Double = 5) -> Bool {
        eventually(timeout) { !process.isRunning }
    }

    func finish() -> RunResult {
        closeInput()
        let rest = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return RunResult(status: process.terminationStatus,
                         signalled: process.terminationReason == .uncaughtSignal,
                         stdout: String(decoding: buffered + rest, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
    }
}

func runKpath(_ arguments: [String], stdin: String? = nil, timeout: Double = 15) throws -> RunResult {
    let p = try KpathProcess(arguments, timeout: timeout)
    if let stdin { p.write(stdin) }
    return p.finish()
}
