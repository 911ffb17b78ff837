import Foundation
import XCTest
@testable import Sessions

/// Phase, role, packet moment, backend and side are enums in the compare model
/// now; saved results (written when they were strings) must load, and a result
/// must save to the same JSON it was read from.
final class CompareJSONTests: XCTestCase {
    static let fixtures = DiffTests.fixtures

    func testSavedResultsRoundTripToTheSameJSON() throws {
        for name in ["compare-6.1.json", "compare-7.3.json"] {
            let data = try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/" + name))
            let result = try JSONDecoder().decode(CompareResult.self, from: data)
            let again = try JSONEncoder().encode(result)
            let before = try JSONSerialization.jsonObject(with: data) as? NSDictionary
            let after = try JSONSerialization.jsonObject(with: again) as? NSDictionary
            XCTAssertNotNil(before)
            XCTAssertEqual(before, after, "\(name) does not save back to the JSON it was read from")
        }
    }

    func testTypedFieldsReadTheirNames() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/compare-6.1.json"))
        let r = try JSONDecoder().decode(CompareResult.self, from: data)
        let tcp = try XCTUnwrap(r.run(.tcp))
        XCTAssertNotNil(tcp.phase(.connect), "the connect phase by enum")
        XCTAssertTrue(tcp.packets.contains { $0.phase == .during(.connect) && $0.sender == .client && $0.flags == "SYN" })
        XCTAssertTrue(tcp.stacks.contains { $0.role == .client })
        XCTAssertEqual(r.side, .client)
    }
}
