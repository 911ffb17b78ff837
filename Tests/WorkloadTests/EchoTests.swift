import Foundation
import Glibc
import XCTest
@testable import Workload

final class EchoTests: XCTestCase {
    func testUDPRoundTrip() throws {
        let server = try RunningServer(.udp)
        defer { server.stop() }
        let message = Array("hello, kernel".utf8)
        var events: [EchoClientEvent] = []
        let result = try EchoClient(proto: .udp, to: server.address, message: message, count: 3, timeout: 2)
            .run(onEvent: { events.append($0) })
        XCTAssertEqual(result.exchanges.count, 3)
        XCTAssertTrue(result.allMatched)
        XCTAssertEqual(result.lastEcho, message)
        XCTAssertEqual(result.exchanges.map(\.from), Array(repeating: server.address, count: 3))
        XCTAssertEqual(events.first?.line, "packet-written: bytes=13")
        XCTAssertEqual(events.dropFirst().first?.line, "packet-received: bytes=13 from=\(server.address)")
        XCTAssertEqual(events.count, 6)
        // The server answered each datagram to the address it came from.
        XCTAssertTrue(eventually { server.recorded.count == 6 })
        let recorded = server.recorded
        for pair in stride(from: 0, to: 6, by: 2) {
            guard case let .received(n, from) = recorded[pair], case let .written(w, to) = recorded[pair + 1] else {
                return XCTFail("\(recorded)")
            }
            XCTAssertEqual(n, 13)
            XCTAssertEqual(w, 13)
            XCTAssertEqual(from, to)
            XCTAssertEqual(from.host, "127.0.0.1")
            XCTAssertTrue(recorded[pair].line.hasPrefix("packet-received: bytes=13 from=127.0.0.1:"))
        }
    }

    func testUDPLargestDatagram() throws {
        let server = try RunningServer(.udp)
        defer { server.stop() }
        let message = (0..<maxUDPMessage).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let result = try EchoClient(proto: .udp, to: server.address, message: message, timeout: 2).run()
        XCTAssertEqual(result.lastEcho, message)
    }

    func testTCPRoundTrip() throws {
        let server = try RunningServer(.tcp)
        defer { server.stop() }
        let message = Array("hello over tcp".utf8)
        let result = try EchoClient(proto: .tcp, to: server.address, message: message, count: 2, timeout: 2).run()
        XCTAssertEqual(result.exchanges.count, 2)
        XCTAssertTrue(result.allMatched)
        XCTAssertEqual(result.lastEcho, message)
        XCTAssertTrue(eventually { server.recorded.filter { if case .closed = $0 { return true }; return false }.count == 2 })
        XCTAssertTrue(server.recorded.first?.line.hasPrefix("connection-accepted: from=127.0.0.1:") ?? false)
    }

    func testTCPEchoArrivingInPiecesIsReadWhole() throws {
        let server = try RunningServer(.tcp)
        defer { server.stop() }
        let message = (0..<maxTCPMessage).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let result = try EchoClient(proto: .tcp, to: server.address, message: message, timeout: 5).run()
        XCTAssertEqual(result.exchanges.first?.bytesReceived, message.count)
        XCTAssertTrue(result.allMatched)
        // The server's reads are at most 64 KiB: the echo did come in pieces.
        XCTAssertGreaterThan(server.recorded.filter { if case .received = $0 { return true }; return false }.count, 1)
    }

    func testIPv6RoundTrip() throws {
        let server: RunningServer
        do {
            server = try RunningServer(.udp, listen: "[::1]:0")
        } catch {
            throw XCTSkip("no IPv6 loopback here: \(error)")
        }
        defer { server.stop() }
        XCTAssertEqual(server.address.host, "::1")
        let result = try EchoClient(proto: .udp, to: server.address, timeout: 2).run()
        XCTAssertTrue(result.allMatched)
        XCTAssertEqual(result.exchanges.first?.from.description, "[::1]:\(server.address.port)")
    }

    func testTwentyConcurrentTCPClients() throws {
        final class Tally: @unchecked Sendable {
            let lock = NSLock()
            var failures: [String] = []
            var matched = 0
        }
        let server = try RunningServer(.tcp)
        defer { server.stop() }
        let tally = Tally()
        let group = DispatchGroup()
        let start = DispatchSemaphore(value: 0)
        let address = server.address
        for i in 0..<20 {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                start.wait()
                let message = Array("client \(i) says hi".utf8)
                do {
                    let result = try EchoClient(proto: .tcp, to: address, message: message, count: 5, timeout: 3).run()
                    tally.lock.lock(); if result.allMatched && result.lastEcho == message { tally.matched += 1 }; tally.lock.unlock()
                } catch {
                    tally.lock.lock(); tally.failures.append("\(i): \(error)"); tally.lock.unlock()
                }
            }
        }
        for _ in 0..<20 { start.signal() }
        XCTAssertEqual(group.wait(timeout: .now() + 20), .success)
        XCTAssertEqual(tally.failures, [])
        XCTAssertEqual(tally.matched, 20)
    }

    func testTwentyTCPConnectionsOpenAtOnce() throws {
        let server = try RunningServer(.tcp)
        defer { server.stop() }
        let sockets = try (0..<20).map { _ in try RawSocket(connectingTo: server.address.port) }
        XCTAssertTrue(eventually { server.server.connectionCount == 20 }, "\(server.server.connectionCount)")
        for (i, s) in sockets.enumerated().reversed() {
            let text = "connection \(i)"
            XCTAssertEqual(s.send(text), text.utf8.count)
            XCTAssertEqual(s.receive(text.utf8.count), text)
        }
        sockets.forEach { $0.close() }
        XCTAssertTrue(eventually { server.server.connectionCount == 0 })
    }

    func testUDPTimeoutAgainstASilentSocket() throws {
        let silent = try RawSocket(.udp)
        defer { silent.close() }
        let started = Date()
        XCTAssertThrowsWorkloadError(try EchoClient(proto: .udp, to: loopback(silent.port), timeout: 0.3).run()) { error in
            guard case let .timeout("read", .udp, local, remote) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(remote, "127.0.0.1:\(silent.port)")
            XCTAssertTrue(local.hasPrefix("127.0.0.1:"))
            let text = error.description
            XCTAssertNotNil(text.range(of: #"^read udp 127\.0\.0\.1:[0-9]+->127\.0\.0\.1:\#(silent.port): i/o timeout$"#,
                                       options: .regularExpression), text)
        }
        let waited = Date().timeIntervalSince(started)
        XCTAssertGreaterThan(waited, 0.25)
        XCTAssertLessThan(waited, 2)
    }

    func testTCPTimeoutAgainstAListenerThatNeverAnswers() throws {
        let silent = try RawSocket(.tcp)   // listening; the backlog completes the handshake
        defer { silent.close() }
        XCTAssertThrowsWorkloadError(try EchoClient(proto: .tcp, to: loopback(silent.port), timeout: 0.3).run()) { error in
            XCTAssertNotNil(error.description.range(
                of: #"^read tcp 127\.0\.0\.1:[0-9]+->127\.0\.0\.1:\#(silent.port): i/o timeout$"#, options: .regularExpression),
                error.description)
        }
    }

    func testUDPWithoutServerIsConnectionRefusedOnRead() throws {
        let port = try unusedPort(.udp)
        var events: [EchoClientEvent] = []
        XCTAssertThrowsWorkloadError(try EchoClient(proto: .udp, to: loopback(port), timeout: 2).run(onEvent: { events.append($0) })) { error in
            guard case let .connectionRefused("read", .udp, local?, remote) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(local.hasPrefix("127.0.0.1:"))
            XCTAssertEqual(remote, "127.0.0.1:\(port)")
            XCTAssertTrue(error.description.hasPrefix("read udp \(local)->127.0.0.1:\(port): connection refused ("), error.description)
            XCTAssertTrue(error.description.contains("kpath echo server --proto udp --listen 127.0.0.1:\(port)"))
        }
        // The write itself succeeded: UDP only learns of it from the ICMP error.
        XCTAssertEqual(events, [.written(bytes: 5)])
    }

    func testTCPWithoutServerIsConnectionRefusedOnDial() throws {
        let port = try unusedPort(.tcp)
        XCTAssertThrowsWorkloadError(try EchoClient(proto: .tcp, to: loopback(port), timeout: 2).run()) { error in
            XCTAssertEqual(error, .connectionRefused(op: "dial", proto: .tcp, local: nil, remote: "127.0.0.1:\(port)"))
            XCTAssertTrue(error.description.hasPrefix("dial tcp 127.0.0.1:\(port): connection refused ("), error.description)
        }
    }

    func testListenPortInUse() throws {
        for proto in EchoProto.allCases {
            let first = try RunningServer(proto)
            defer { first.stop() }
            XCTAssertThrowsWorkloadError(try EchoServer(proto: proto, listen: first.address)) { error in
                XCTAssertEqual(error, .addressInUse(first.address, proto: proto))
                XCTAssertTrue(error.description.contains("address already in use"), error.description)
            }
        }
    }

    func testListenOnAnAddressNotOfThisHost() {
        XCTAssertThrowsWorkloadError(try EchoServer(proto: .udp, listen: EchoAddress(host: "203.0.113.7", port: 0))) { error in
            guard case .listenFailed = error else { return XCTFail("\(error)") }
            XCTAssertTrue(error.description.contains("127.0.0.1"), error.description)
        }
    }

    func testServerStopEndsServe() throws {
        for proto in EchoProto.allCases {
            let server = try RunningServer(proto)
            let idle = proto == .tcp ? try RawSocket(connectingTo: server.address.port) : nil
            defer { idle?.close() }
            if proto == .tcp { XCTAssertTrue(eventually { server.server.connectionCount == 1 }) }
            XCTAssertTrue(server.stop(timeout: 2), "serve() returned after stop() (\(proto))")
            XCTAssertTrue(server.server.isStopped)
            if proto == .tcp { XCTAssertTrue(eventually { server.server.connectionCount == 0 }) }
        }
    }

    func testClientCancellationWakesABlockedRead() throws {
        let silent = try RawSocket(.udp)
        defer { silent.close() }
        let cancellation = EchoCancellation()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { cancellation.cancel() }
        let started = Date()
        XCTAssertThrowsWorkloadError(try EchoClient(proto: .udp, to: loopback(silent.port), timeout: 30)
            .run(cancellation: cancellation)) { XCTAssertEqual($0, .cancelled) }
        XCTAssertLessThan(Date().timeIntervalSince(started), 3)
    }

    func testStepsAreTheArticlesSyscallsInOrder() throws {
        let server = try RunningServer(.udp)
        defer { server.stop() }
        var steps: [EchoStep] = []
        _ = try EchoClient(proto: .udp, to: server.address, timeout: 2).run(beforeStep: { steps.append($0) })
        XCTAssertEqual(steps, [.resolve, .socket, .connect, .write, .setDeadline, .read, .close])
        XCTAssertEqual(steps.map(\.call), ["getaddrinfo(3)", "socket(2)", "connect(2)", "write(2)",
                                           "setsockopt(2) SO_RCVTIMEO", "read(2)", "close(2)"])
    }

    func testBenchMeasuresBothProtocols() throws {
        for proto in EchoProto.allCases {
            let rows = try EchoBench(proto: proto, seconds: 0.2).run()
            XCTAssertEqual(rows.map(\.measure), ["round trips, one connected socket", "full dials"])
            for row in rows {
                XCTAssertGreaterThan(row.operations, 0)
                XCTAssertGreaterThan(row.perSecond, 0)
            }
            let table = EchoBench.table(rows, proto: proto)
            XCTAssertEqual(table.split(separator: "\n").count, 3)
            XCTAssertTrue(table.contains("MEASURE (\(proto))"))
        }
        XCTAssertThrowsWorkloadError(try EchoBench(proto: .udp, seconds: 0).run()) {
            XCTAssertEqual($0, .invalidDuration(0))
        }
    }
}
