import XCTest
@testable import Reports
@testable import Sessions

final class FunccountTableTests: XCTestCase {
    /// The packet table overflowed: `36.186   connect of dial 2127.0.0.1:45273`.
    func testColumnsAreSizedByTheirContent() {
        let t = columns([["ms", "client syscall", "from"],
                         ["36.186", "connect of dial 2", "127.0.0.1:45273"],
                         ["1.0", "read", "127.0.0.1:7"]])
        let lines = t.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines, ["ms      client syscall     from",
                               "36.186  connect of dial 2  127.0.0.1:45273",
                               "1.0     read               127.0.0.1:7"])
        XCTAssertEqual(columns([]), "")
    }

    func testLayoutMatchesBccFunccount() {
        let t = FunccountTable.render([
            FunctionCount(function: "tcp_v4_connect", count: 50),
            FunctionCount(function: "tcp_unused", count: 0),
            FunctionCount(function: "a_function_name_longer_than_thirty_six_cols", count: 7),
        ])
        let lines = t.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], "FUNC" + String(repeating: " ", count: 32) + "    COUNT")
        XCTAssertEqual(lines[1], "tcp_v4_connect" + String(repeating: " ", count: 22) + "       50")
        XCTAssertEqual(lines.count, 3, "zero counts are left out")
        XCTAssertTrue(lines[2].hasSuffix("        7"))
    }
}
