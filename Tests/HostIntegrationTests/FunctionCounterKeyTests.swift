import BPFRecords
import XCTest
@testable import Probes

/// funccount's address programs key each counter by address ^ (slot << 32)
/// (bpf/funccount.bpf.c); user space must take every such key apart exactly.
final class FunctionCounterKeyTests: XCTestCase {
    func testKeysGiveBackAddressAndSlot() {
        let addresses: [UInt64] = [0xffff_ffff_8100_0000, 0xffff_ffff_81a3_4c51, 0xffff_ffff_c0de_0004]
        for a in addresses {
            for slot in 0..<FunctionCounter.perFunction {
                let key = a ^ (UInt64(slot) << 32)  // as the program builds it
                let (address, s) = FunctionCounter.addressAndSlot(key)
                XCTAssertEqual(address, a)
                XCTAssertEqual(s, slot)
            }
        }
        // slot 0, the only one funccount uses, is the address itself (bpftrace's key)
        XCTAssertEqual(FunctionCounter.addressAndSlot(0xffff_ffff_8100_0000).slot, 0)
    }

    func testNoFilterOnlyWhenKpConfigIsEmpty() {
        XCTAssertTrue(FunctionCounter.noFilter(kp_config()))
        var c = kp_config()
        c.filter_tgids = 1
        XCTAssertFalse(FunctionCounter.noFilter(c))
        c = kp_config()
        c.only_cpu = 1
        XCTAssertFalse(FunctionCounter.noFilter(c))
        c = kp_config()
        c.only_comm.0 = 0x6b  // "k"
        XCTAssertFalse(FunctionCounter.noFilter(c))
    }

    /// -p alone (pid_only: the traced process's hits counted inline) vs -p with --tid/--comm/-c.
    func testPidIsTheOnlyFilterUnlessATaskFilterIsSet() {
        var c = kp_config()
        c.filter_tgids = 1
        XCTAssertTrue(FunctionCounter.noTaskFilter(c))
        c.only_tid = 7
        XCTAssertFalse(FunctionCounter.noTaskFilter(c))
        c = kp_config()
        c.filter_tgids = 1
        c.only_cpu = 1
        XCTAssertFalse(FunctionCounter.noTaskFilter(c))
        c = kp_config()
        c.only_comm.0 = 0x6b
        XCTAssertFalse(FunctionCounter.noTaskFilter(c))
    }
}
