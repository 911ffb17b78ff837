// Backend.choose, the one backend choice, on what each kernel kpath is tested
// on accepts (as BackendSupport.detect finds it there without doctor's program
// loads): the same backend as before for every command, and the same lines.
import KernelInfo
import Probes
import XCTest

final class BackendChoiceTests: XCTestCase {
    static let multiRefused = ["kprobe-multi": "kprobe.multi refused (Operation not supported); needs Linux 5.18+ with CONFIG_FPROBE"]
    static let kernels: [String: BackendSupport] = [
        "6.12": BackendSupport(kprobe: true, kprobeMulti: true, fentry: false, reasons: ["fentry": "not tried: a kprobe backend is available"]),
        "6.1": BackendSupport(kprobe: true, kprobeMulti: false, fentry: false, reasons: multiRefused),
        "5.10": BackendSupport(kprobe: true, kprobeMulti: false, fentry: false, reasons: multiRefused.merging(["fentry": "fentry refused (Invalid argument)"]) { a, _ in a }),
        "no kprobes": BackendSupport(kprobe: false, kprobeMulti: false, fentry: false, reasons: ["kprobe": "lockdown", "kprobe-multi": "lockdown", "fentry": "fentry refused (Operation not permitted)"]),
        "fentry only": BackendSupport(kprobe: false, kprobeMulti: false, fentry: true, reasons: ["kprobe": "lockdown", "kprobe-multi": "lockdown"]),
    ]

    func choice(_ kernel: String, _ needs: ProbeNeeds, forced: Backend? = nil) -> String {
        let noKprobes = kernel == "no kprobes" || kernel == "fentry only" ? "lockdown" : nil
        do {
            return try Backend.choose(forced: forced, for: needs, support: Self.kernels[kernel]!, kprobesUnavailableReason: noKprobes).rawValue
        } catch {
            return "error: \(error)"
        }
    }

    func testTheFastestThatFitsOnEachKernel() {
        let want: [(String, ProbeNeeds, String)] = [
            ("6.12", .entries, "kprobe-multi"), ("6.12", .stacks, "kprobe-multi"), ("6.12", .returns, "kprobe-multi"),
            ("6.1", .entries, "kprobe"), ("6.1", .stacks, "kprobe"), ("6.1", .returns, "kprobe"),
            ("5.10", .entries, "kprobe"), ("5.10", .stacks, "kprobe"), ("5.10", .returns, "kprobe"),
            ("fentry only", .entries, "fentry"),
        ]
        for (k, needs, b) in want { XCTAssertEqual(choice(k, needs), b, "\(k) \(needs)") }
        // Where no function backend fits: the kprobes line (graph and compare map it to theirs).
        for needs in [ProbeNeeds.entries, .stacks, .returns] {
            XCTAssertEqual(choice("no kprobes", needs), "error: cannot probe kernel functions on this kernel: lockdown; see `kpath doctor` for details\(Checkout.vmtestHint)")
        }
        XCTAssertTrue(choice("fentry only", .stacks).hasPrefix("error: cannot probe kernel functions on this kernel: lockdown"))
    }

    func testAForcedBackendIsKeptOrRefusedInOneLine() {
        XCTAssertEqual(choice("6.12", .entries, forced: .kprobe), "kprobe")
        XCTAssertEqual(choice("6.12", .stacks, forced: .kprobe), "kprobe")
        XCTAssertEqual(choice("6.1", .entries, forced: .kprobeMulti),
                       "error: backend kprobe-multi is not available here: kprobe.multi refused (Operation not supported); needs Linux 5.18+ with CONFIG_FPROBE; omit --backend to let kpath choose, or see `kpath doctor`")
        XCTAssertEqual(choice("5.10", .entries, forced: .fentry),
                       "error: backend fentry is not available here: fentry refused (Invalid argument); omit --backend to let kpath choose, or see `kpath doctor`")
        XCTAssertEqual(choice("6.12", .stacks, forced: .fentry),
                       "error: backend fentry is not available here: kernel stacks at functions are taken through kprobes; use kprobe-multi or kprobe; omit --backend to let kpath choose, or see `kpath doctor`")
        XCTAssertEqual(choice("6.12", .stacks, forced: .tracepoint),
                       "error: backend tracepoint is not available here: kernel stacks at functions are taken through kprobes; use kprobe-multi or kprobe; omit --backend to let kpath choose, or see `kpath doctor`")
        XCTAssertEqual(choice("6.12", .entries, forced: .tracepoint),
                       "error: backend tracepoint is not available here: tracepoints cannot count kernel functions; omit --backend to let kpath choose, or see `kpath doctor`")
        XCTAssertTrue(choice("6.12", .returns, forced: .fentry).contains("graph records returns through kprobes"))
        XCTAssertTrue(choice("6.12", .returns, forced: .tracepoint).contains("call graphs need function probes"))
        // A backend that cannot attach the program is refused before the kernel is asked.
        XCTAssertTrue(choice("no kprobes", .stacks, forced: .fentry).contains("kernel stacks at functions are taken through kprobes"))
    }

    /// compare's stack points: the counter's backend where the stack program has it, else the fastest that does.
    func testCompareStacksFollowTheCounterButNotIntoFentry() {
        for (counter, want) in [(Backend.kprobeMulti, "kprobe-multi"), (.kprobe, "kprobe"), (.fentry, "kprobe-multi")] {
            XCTAssertEqual(choice("6.12", .stacks, forced: ProbeNeeds.stacks.fits(counter) ? counter : nil), want, "\(counter)")
        }
        XCTAssertEqual(ProbeNeeds.entries.backends, Backend.functionBackendsFastestFirst)
        XCTAssertEqual(ProbeNeeds.stacks.backends, [.kprobeMulti, .kprobe])
    }
}
