import XCTest
@testable import Sessions
import Probes

/// The server's FIN of dial 1 was "connect of dial 2" in one run and "read of
/// dial 2" in another: a late packet now has one label, whichever later call
/// the client happened to be in.
final class PacketPlacementTests: XCTestCase {
    // Dial 1: socket 10-11, connect 12-20, write 21-22, read 23-30, close 31-32;
    // dial 2: socket 40-41, connect 42-50, read 53-60, close 61-62.
    let calls: [PacketPlacement.Call] = [(10, 11, .socket), (12, 20, .connect), (21, 22, .send), (23, 30, .recv), (31, 32, .close),
                                         (40, 41, .socket), (42, 50, .connect), (53, 60, .recv), (61, 62, .close)]

    func testPacketsInTheirOwnDialsCalls() {
        let p = PacketPlacement(clientSyscalls: calls)
        XCTAssertEqual(p.place(ns: 15, dial: 1, clientTaskPhase: nil).moment, .during(.connect))
        XCTAssertEqual(p.place(ns: 31, dial: 1, clientTaskPhase: nil).moment, .during(.close))
        XCTAssertEqual(p.place(ns: 45, dial: 2, clientTaskPhase: nil).moment, .during(.connect))
        XCTAssertEqual(p.place(ns: 51, dial: 2, clientTaskPhase: nil).moment, .betweenSyscalls)
        XCTAssertEqual(p.place(ns: 51, dial: 2, clientTaskPhase: .other).moment, .during(.other))
        // In JSON and reports: the names saved results have always used.
        XCTAssertEqual(p.place(ns: 51, dial: 2, clientTaskPhase: nil).moment.description, "between syscalls")
        XCTAssertEqual(PacketMoment(named: "after close"), .afterClose)
        XCTAssertEqual(PacketMoment(named: "write"), .during(.send))
    }

    func testALateFINIsAfterCloseWhicheverCallTheClientIsIn() {
        let p = PacketPlacement(clientSyscalls: calls)
        for (ns, call) in [(UInt64(45), Phase.connect), (55, .recv), (40, .socket)] {
            let r = p.place(ns: ns, dial: 1, clientTaskPhase: nil)
            XCTAssertEqual(r.moment, .afterClose, "at \(ns)")
            XCTAssertEqual(r.during?.dial, 2)
            XCTAssertEqual(r.during?.phase, call)
        }
        // Between dial 1's close and dial 2's socket: after close too, with no later call.
        let gap = p.place(ns: 35, dial: 1, clientTaskPhase: nil)
        XCTAssertEqual(gap.moment, .afterClose)
        XCTAssertNil(gap.during)
    }
}
