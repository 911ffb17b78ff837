import Foundation
import Glibc
import XCTest
@testable import Workload

/// tcp6, udp6, unix and unixgram: addresses parsed, and one echo round trip
/// each against an in-process server (real sockets on ::1 and AF_UNIX).
final class ProtocolTests: XCTestCase {
    func testProtocolNames() throws {
        XCTAssertEqual(try EchoProto(parsing: "TCP6"), .tcp6)
        XCTAssertEqual(try EchoProto(parsing: "unixgram"), .unixgram)
        XCTAssertEqual(EchoProto.allCases.filter(\.isStream), [.tcp, .tcp6, .unix])
        XCTAssertEqual(EchoProto.allCases.filter(\.isUnix), [.unix, .unixgram])
    }

    func testIPv6Addresses() throws {
        // PORT and :PORT mean ::1 for tcp6/udp6 when listening.
        XCTAssertEqual(try EchoAddress(parsing: "9000", for: .tcp6, listening: true), EchoAddress(host: "::1", port: 9000))
        XCTAssertEqual(try EchoAddress(parsing: ":0", for: .udp6, listening: true), EchoAddress(host: "::1", port: 0))
        XCTAssertEqual(try EchoAddress(parsing: "[::1]:7", for: .tcp6, listening: false).description, "[::1]:7")
        XCTAssertEqual(try EchoAddress(parsing: "9000", for: .tcp, listening: true), EchoAddress(host: "127.0.0.1", port: 9000))
        XCTAssertThrowsWorkloadError(try EchoAddress(parsing: "[::1]:0", for: .tcp6, listening: false)) {
            XCTAssertEqual($0, .portOutOfRange("0", lowest: 1))
        }
        XCTAssertThrowsWorkloadError(try EchoAddress(parsing: "::1:9000", for: .udp6, listening: false)) {
            XCTAssertTrue($0.description.contains("needs brackets"), $0.description)
        }
    }

    func testUnixAddresses() throws {
        let path = try EchoAddress(parsing: "/tmp/echo.sock", for: .unix, listening: false)
        XCTAssertEqual(path.path, "/tmp/echo.sock")
        XCTAssertFalse(path.isAbstract)
        XCTAssertEqual(path.description, "/tmp/echo.sock")
        let abstract = try EchoAddress(parsing: "@kpath", for: .unixgram, listening: true)
        XCTAssertTrue(abstract.isAbstract)
        XCTAssertEqual(abstract.description, "@kpath")
        // A path is taken as it is, even one that looks like HOST:PORT.
        XCTAssertEqual(try EchoAddress(parsing: "127.0.0.1:80", for: .unix, listening: false).path, "127.0.0.1:80")
        for bad in ["", "@", String(repeating: "a", count: 108), "a\u{0}b"] {
            XCTAssertThrowsWorkloadError(try EchoAddress(parsing: bad, for: .unix, listening: false)) { error in
                guard case .malformedAddress = error else { return XCTFail("\(error)") }
                XCTAssertTrue(error.description.contains("socket path"), error.description)
                XCTAssertFalse(error.description.contains("\n"))
            }
        }
        XCTAssertNoThrow(try EchoAddress(parsing: String(repeating: "a", count: 107), for: .unix, listening: false))
        // A path for tcp, a HOST:PORT for unix: refused before any socket.
        XCTAssertThrowsWorkloadError(try EchoClient(proto: .tcp, to: EchoAddress(path: "/tmp/x")).validate()) {
            XCTAssertTrue($0.description.contains("tcp takes HOST:PORT"), $0.description)
        }
        XCTAssertThrowsWorkloadError(try EchoClient(proto: .unix, to: EchoAddress(host: "127.0.0.1", port: 9)).validate()) {
            XCTAssertTrue($0.description.contains("take a socket path"), $0.description)
        }
    }

    func testMessageLimits() {
        let to = EchoAddress(path: "@x")
        XCTAssertThrowsWorkloadError(try EchoClient(proto: .unixgram, to: to, message: .init(repeating: 1, count: 65_537)).validate()) {
            XCTAssertEqual($0, .messageTooLarge(bytes: 65_537, limit: 65_536, proto: .unixgram))
            XCTAssertTrue($0.description.contains("one Unix datagram carries at most 65536"), $0.description)
        }
        XCTAssertNoThrow(try EchoClient(proto: .udp6, to: EchoAddress(host: "::1", port: 9), message: .init(repeating: 1, count: 65_527)).validate())
    }

    /// One echo per protocol; the reply comes from the server's own address.
    func testRoundTripEachNewProtocol() throws {
        for proto in [EchoProto.tcp6, .udp6, .unix, .unixgram] {
            let server: RunningServer
            do {
                server = try RunningServer(proto)
            } catch WorkloadError.listenFailed(_, _, let reason) where !proto.isUnix {
                throw XCTSkip("no IPv6 loopback here: \(reason)")
            }
            defer { server.stop() }
            let message = Array("ping \(proto)".utf8)
            let result = try EchoClient(proto: proto, to: server.address, message: message, count: 2, timeout: 2).run()
            XCTAssertTrue(result.allMatched, "\(proto)")
            XCTAssertEqual(result.exchanges.count, 2)
            XCTAssertEqual(result.lastEcho, message)
            XCTAssertEqual(result.exchanges.first?.from, server.address, "\(proto)")
            if proto.isUnix {
                XCTAssertTrue(server.address.isAbstract)
            } else {
                XCTAssertEqual(server.address.host, "::1")
            }
            // A unixgram client autobinds an abstract name, so the server saw "@xxxxx".
            if proto == .unixgram {
                let from = server.recorded.compactMap { e -> EchoAddress? in if case let .received(_, f) = e { return f }; return nil }
                XCTAssertEqual(from.count, 2)
                XCTAssertTrue(from.allSatisfy { $0.isAbstract && $0.description.count == 6 }, "\(from)")
            }
        }
    }

    /// A Unix server on a filesystem path removes its socket file when it stops.
    func testUnixServerRemovesItsSocketFile() throws {
        for proto in [EchoProto.unix, .unixgram] {
            let path = "/tmp/kpath-test-\(getpid())-\(proto).sock"
            unlink(path)
            let server = try RunningServer(proto, listen: path)
            XCTAssertEqual(access(path, F_OK), 0, "the socket file exists while serving")
            let result = try EchoClient(proto: proto, to: server.address, timeout: 2).run()
            XCTAssertTrue(result.allMatched)
            // A second server on the same path: in use (the first still has it).
            XCTAssertThrowsWorkloadError(try EchoServer(proto: proto, listen: server.address)) {
                XCTAssertEqual($0, .addressInUse(server.address, proto: proto))
                XCTAssertTrue($0.description.contains("stale socket file"), $0.description)
            }
            XCTAssertTrue(server.stop())
            XCTAssertNotEqual(access(path, F_OK), 0, "\(path) removed after stop")
        }
    }

    /// The binary: SIGTERM to a unix server removes its socket file too.
    func testUnixServerBinaryRemovesItsSocketFileOnSignal() throws {
        for (proto, sig) in [(EchoProto.unix, SIGTERM), (.unixgram, SIGINT)] {
            let path = "/tmp/kpath-test-\(getpid())-bin-\(proto).sock"
            unlink(path)
            let p = try KpathProcess(["echo", "server", "--proto", "\(proto)", "--listen", path], timeout: 10)
            XCTAssertEqual(p.readLine(), "listening on \(path) (\(proto))")
            XCTAssertEqual(access(path, F_OK), 0, "the socket file exists while serving")
            let client = try runKpath(["echo", "client", "--proto", "\(proto)", "--to", path, "--message", "hi"])
            XCTAssertEqual(client.stdoutLines, ["packet-written: bytes=2", "packet-received: bytes=2 from=\(path)"], client.stderr)
            XCTAssertEqual(kill(p.pid, sig), 0)
            let result = p.finish()
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertEqual(result.stdoutLines.last, "cancelled")
            XCTAssertNotEqual(access(path, F_OK), 0, "\(path) removed after signal \(sig)")
        }
    }
}
