import FoundationEssentials
import Probes
import XCTest

final class TCPFlagsTests: XCTestCase {
    func testHeaderByteNamedInTcpdumpsOrder() {
        XCTAssertEqual(TCPFlags(header: 0x12).description, "SYN,ACK")
        XCTAssertEqual(TCPFlags(header: 0x11).description, "FIN,ACK")
        XCTAssertEqual(TCPFlags(header: 0x18).description, "PSH,ACK")
        XCTAssertEqual(TCPFlags(header: 0xc0).description, "-")  // ECE/CWR are not named
        XCTAssertEqual(TCPFlags().description, "-")
    }

    func testTextRoundTripsAndBadTextIsRefused() throws {
        for text in ["SYN", "SYN,ACK", "ACK", "FIN,ACK", "PSH,ACK", "RST,ACK", "-"] {
            XCTAssertEqual(TCPFlags(text: text)?.description, text)
            let json = try JSONEncoder().encode([TCPFlags(text: text)!])
            XCTAssertEqual(String(decoding: json, as: UTF8.self), "[\"\(text)\"]")
            XCTAssertEqual(try JSONDecoder().decode([TCPFlags].self, from: json), [TCPFlags(text: text)!])
        }
        XCTAssertNil(TCPFlags(text: "SYN,XMAS"))
        XCTAssertThrowsError(try JSONDecoder().decode([TCPFlags].self, from: Data("[\"NOPE\"]".utf8)))
    }
}
