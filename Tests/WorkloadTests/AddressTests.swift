import XCTest
@testable import Workload

final class AddressTests: XCTestCase {
    func testParsesHostPortForms() throws {
        XCTAssertEqual(try EchoAddress(parsing: "127.0.0.1:9000"), EchoAddress(host: "127.0.0.1", port: 9000))
        XCTAssertEqual(try EchoAddress(parsing: "localhost:1"), EchoAddress(host: "localhost", port: 1))
        XCTAssertEqual(try EchoAddress(parsing: "[::1]:65535"), EchoAddress(host: "::1", port: 65535))
        XCTAssertEqual(try EchoAddress(parsing: "[::1]:65535").description, "[::1]:65535")
        XCTAssertEqual(try EchoAddress(parsing: "127.0.0.1:0", allowPortZero: true).port, 0)
        // The server's defaults: loopback unless told otherwise.
        XCTAssertEqual(try EchoAddress(parsing: ":0", allowPortZero: true, defaultHost: "127.0.0.1"),
                       EchoAddress(host: "127.0.0.1", port: 0))
        XCTAssertEqual(try EchoAddress(parsing: "9000", defaultHost: "127.0.0.1"),
                       EchoAddress(host: "127.0.0.1", port: 9000))
        XCTAssertEqual(try EchoProto(parsing: "TCP"), .tcp)
    }

    func testMalformedAddresses() {
        for text in ["localhost", "", "127.0.0.1:", ":9000", "::1:9000", "[::1]", "[::1:9000", "bad host:80"] {
            XCTAssertThrowsWorkloadError(try EchoAddress(parsing: text)) { error in
                guard case .malformedAddress(let got, _) = error else { return XCTFail("\(text): \(error)") }
                XCTAssertEqual(got, text)
                XCTAssertTrue(error.description.hasPrefix("malformed address \"\(text)\": "), error.description)
                XCTAssertTrue(error.description.contains("want HOST:PORT"), error.description)
            }
        }
    }

    func testPortErrors() {
        XCTAssertThrowsWorkloadError(try EchoAddress(parsing: "127.0.0.1:70000")) { error in
            XCTAssertEqual(error, .portOutOfRange("70000", lowest: 1))
            XCTAssertEqual(error.description, "port 70000 out of range (1-65535)")
        }
        XCTAssertThrowsWorkloadError(try EchoAddress(parsing: "127.0.0.1:0")) { error in
            XCTAssertEqual(error.description, "port 0 out of range (1-65535)")
        }
        XCTAssertThrowsWorkloadError(try EchoAddress(parsing: "127.0.0.1:99999999999999999999999")) { error in
            XCTAssertEqual(error, .portOutOfRange("99999999999999999999999", lowest: 1))
        }
        XCTAssertThrowsWorkloadError(try EchoAddress(parsing: "127.0.0.1:70000", allowPortZero: true)) { error in
            XCTAssertEqual(error.description, "port 70000 out of range (0-65535)")
        }
        XCTAssertThrowsWorkloadError(try EchoAddress(parsing: "localhost:http")) { error in
            XCTAssertEqual(error, .invalidPort("http", address: "localhost:http"))
        }
        XCTAssertThrowsWorkloadError(try EchoAddress(parsing: "localhost:-1")) { error in
            XCTAssertEqual(error, .invalidPort("-1", address: "localhost:-1"))
        }
    }

    func testUnknownProtocol() {
        XCTAssertThrowsWorkloadError(try EchoProto(parsing: "sctp")) { error in
            XCTAssertEqual(error.description, "unknown protocol \"sctp\" (use one of udp, tcp, udp6, tcp6, unix, unixgram)")
        }
    }

    func testClientValidation() {
        let to = loopback(9)
        XCTAssertThrowsWorkloadError(try EchoClient(proto: .udp, to: to, message: []).validate()) {
            XCTAssertEqual($0, .emptyMessage)
        }
        XCTAssertThrowsWorkloadError(try EchoClient(proto: .udp, to: to, message: .init(repeating: 1, count: 65_508)).validate()) {
            XCTAssertEqual($0, .messageTooLarge(bytes: 65_508, limit: 65_507, proto: .udp))
            XCTAssertEqual($0.description,
                           "message is 65508 bytes; one UDP datagram carries at most 65507 (shorten it, or use --proto tcp)")
        }
        XCTAssertNoThrow(try EchoClient(proto: .udp, to: to, message: .init(repeating: 1, count: 65_507)).validate())
        XCTAssertNoThrow(try EchoClient(proto: .tcp, to: to, message: .init(repeating: 1, count: 65_508)).validate())
        for timeout in [0, -1, .nan] as [Double] {
            XCTAssertThrowsWorkloadError(try EchoClient(proto: .udp, to: to, timeout: timeout).validate()) {
                guard case .invalidTimeout = $0 else { return XCTFail("\($0)") }
                XCTAssertTrue($0.description.hasPrefix("timeout must be greater than 0 seconds"))
            }
        }
        for count in [0, -3] {
            XCTAssertThrowsWorkloadError(try EchoClient(proto: .tcp, to: to, count: count).validate()) {
                XCTAssertEqual($0, .invalidCount(count))
                XCTAssertEqual($0.description, "count must be at least \(1) (got \(count))")
            }
        }
    }

    func testUnknownHost() {
        let client = EchoClient(proto: .udp, to: EchoAddress(host: "nosuch.invalid", port: 9000), timeout: 1)
        XCTAssertThrowsWorkloadError(try client.run()) { error in
            guard case .unknownHost("nosuch.invalid", _) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(error.description.hasPrefix("cannot resolve host \"nosuch.invalid\": "), error.description)
        }
    }

    func testLocalhostResolvesToIPv4First() throws {
        let server = try RunningServer(.udp)
        defer { server.stop() }
        let result = try EchoClient(proto: .udp, to: EchoAddress(host: "localhost", port: server.address.port),
                                    timeout: 2).run()
        XCTAssertEqual(result.exchanges.first?.from, server.address)
    }
}
