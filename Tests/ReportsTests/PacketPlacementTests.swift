import XCTest
@testable import Sessions

/// The server's FIN of dial 1 was "connect of dial 2" in one run and "read of
/// dial 2" in another: a late packet now has one label, whichever later call
/// the client happened to be in.
final class PacketPlacementTests: XCTestCase {
    // Dial 1: socket 10-11, connect 12-20, write 21-22, read 23-30, close 31-32;
    // dial 2: socket 40-41, connect 42-50, read 53-60, close 61-62.
    let calls: [PacketPlacement.Call] = [(10, 11, "socket"), (12, 20, "connect"), (21, 22, "write"), (23, 30, "read"), (31, 32, "close"),
                                         (40, 41, "socket"), (42, 50, "connect"), (53, 60, "read"), (61, 62, "close")]

    func testPacketsInTheirOwnDialsCalls() {
        let p = PacketPlacement(clientSyscalls: calls)
        XCTAssertEqual(p.place(ns: 15, dial: 1, clientTaskPhase: nil).phase, "connect")
        XCTAssertEqual(p.place(ns: 31, dial: 1, clientTaskPhase: nil).phase, "close")
        XCTAssertEqual(p.place(ns: 45, dial: 2, clientTaskPhase: nil).phase, "connect")
        XCTAssertEqual(p.place(ns: 51, dial: 2, clientTaskPhase: nil).phase, "between syscalls")
        XCTAssertEqual(p.place(ns: 51, dial: 2, clientTaskPhase: "other").phase, "other")
    }

    func testALateFINIsAfterCloseWhicheverCallTheClientIsIn() {
        let p = PacketPlacement(clientSyscalls: calls)
        for (ns, call) in [(UInt64(45), "connect"), (55, "read"), (40, "socket")] {
            let r = p.place(ns: ns, dial: 1, clientTaskPhase: nil)
            XCTAssertEqual(r.phase, DialPacket.afterClose, "at \(ns)")
            XCTAssertEqual(r.during?.dial, 2)
            XCTAssertEqual(r.during?.phase, call)
        }
        // Between dial 1's close and dial 2's socket: after close too, with no later call.
        let gap = p.place(ns: 35, dial: 1, clientTaskPhase: nil)
        XCTAssertEqual(gap.phase, DialPacket.afterClose)
        XCTAssertNil(gap.during)
    }
}
