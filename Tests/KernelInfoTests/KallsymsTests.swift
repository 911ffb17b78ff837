import Foundation
import XCTest
@testable import KernelInfo

final class KallsymsTests: XCTestCase {
    let sample = """
    ffffffff81000000 T _stext
    ffffffff81a00000 T tcp_v4_connect
    ffffffff81a00400 t tcp_connect
    ffffffff81a00900 T __tcp_transmit_skb
    ffffffffc0100000 t veth_xmit\t[veth]
    garbage line
    ffffffff81b00000 W weak_fn
    ffffffff82000000 D some_data
    """

    func testParseLinesTypesAndModules() {
        let syms = Kallsyms.parse(Array(sample.utf8))
        XCTAssertEqual(syms.count, 7)
        XCTAssertEqual(syms[1], KernelSymbol(address: 0xffffffff81a00000, name: "tcp_v4_connect", type: "T", module: nil))
        XCTAssertEqual(syms[4].module, "veth")
        XCTAssertTrue(syms[5].isText)
        XCTAssertFalse(syms[6].isText)
    }

    func testSymbolizeWithOffsetAndModule() {
        let k = Kallsyms(symbols: Kallsyms.parse(Array(sample.utf8)))
        XCTAssertEqual(k.symbolize(0xffffffff81a00410), "tcp_connect+0x10")
        XCTAssertEqual(k.symbolize(0xffffffff81a00000), "tcp_v4_connect+0x0")
        XCTAssertEqual(k.symbolize(0xffffffffc0100020), "veth_xmit+0x20 [veth]")
        XCTAssertEqual(k.symbolize(0x1000), "0x1000")
        XCTAssertEqual(k.name(0xffffffff81a00905), "__tcp_transmit_skb")
    }

    func testUnsortedInputIsSorted() {
        let k = Kallsyms(symbols: [
            KernelSymbol(address: 300, name: "c", type: "t", module: nil),
            KernelSymbol(address: 100, name: "a", type: "t", module: nil),
            KernelSymbol(address: 200, name: "b", type: "t", module: nil),
        ])
        XCTAssertEqual(k.symbolize(250, offsets: false), "b")
        XCTAssertEqual(k.symbolize(99), "0x63")
    }

    func testHostKallsymsLoads() throws {
        let k = try Kallsyms.load()
        XCTAssertGreaterThan(k.symbols.count, 10_000)
        // How fast is a benchmark's question (docs/performance.md), not a test's:
        // a time limit here failed under load.
    }
}

final class PatternTests: XCTestCase {
    let catalog = FunctionCatalog(functions: ["tcp_v4_connect", "tcp_connect", "udp_sendmsg", "ip4_datagram_connect", "__tcp_transmit_skb", "inet_stream_connect"], source: .availableFilterFunctions)

    func testGlobMatchesWholeName() throws {
        XCTAssertEqual(try catalog.match(["tcp_*"]), ["tcp_v4_connect", "tcp_connect"])
        XCTAssertEqual(try catalog.match(["*connect"]), ["tcp_v4_connect", "tcp_connect", "ip4_datagram_connect", "inet_stream_connect"])
        XCTAssertEqual(try catalog.match(["ip?_*"]), ["ip4_datagram_connect"])
        XCTAssertEqual(try catalog.match(["udp_sendmsg"]), ["udp_sendmsg"])
    }

    func testSeveralPatternsKeepCatalogOrderWithoutDuplicates() throws {
        XCTAssertEqual(try catalog.match(["udp_*", "tcp_*", "tcp_connect"]), ["tcp_v4_connect", "tcp_connect", "udp_sendmsg"])
        XCTAssertEqual(splitPatterns(["tcp_*,udp_*", " ip_* "]), ["tcp_*", "udp_*", "ip_*"])
    }

    func testRegex() throws {
        XCTAssertEqual(try catalog.match(["^tcp_.*connect$"], regex: true), ["tcp_v4_connect", "tcp_connect"])
        XCTAssertEqual(try catalog.match(["transmit"], regex: true), ["__tcp_transmit_skb"])
    }

    func testNoMatchNamesThePattern() {
        XCTAssertThrowsError(try catalog.match(["tcp_*", "sctp_*"])) { e in
            XCTAssertTrue("\(e)".contains("\"sctp_*\""), "\(e)")
        }
    }

    func testBadRegexIsAnError() {
        XCTAssertThrowsError(try catalog.match(["tcp_(("], regex: true)) { e in
            XCTAssertTrue("\(e)".hasPrefix("bad regular expression \"tcp_((\""), "\(e)")
        }
    }

    func testAvailableFilterFunctionsAndBlacklistParsing() {
        let aff = "tcp_v4_connect\nveth_xmit [veth]\n__ftrace_invalid_address___64\n"
        XCTAssertEqual(FunctionCatalog.parseAvailableFilterFunctions(Array(aff.utf8)), ["tcp_v4_connect", "veth_xmit"])
        let bl = "0xffffffff81001000-0xffffffff81001010\tdo_int3\n0xffffffffc0000000-0xffffffffc0000010\tfoo [mod]\n"
        XCTAssertEqual(FunctionCatalog.parseBlacklist(Array(bl.utf8)), ["do_int3", "foo"])
    }

    /// available_filter_functions_addrs (6.5+): the address ftrace patches, then
    /// the name; a module's functions carry `[module]`; bad lines are skipped.
    func testFilterFunctionAddressesParsing() {
        let text = "ffffffff81a2b3c4 tcp_v4_connect\nffffffffc0123000 veth_xmit [veth]\n"
            + "ffffffff81000010 __ftrace_invalid_address___64\nnothex name\nffffffff81a2b3c4\n"
            + "ffffffff81999990 dup_static\nffffffff81999aa0 dup_static\n"
        var got: [(String, UInt64)] = []
        FunctionCatalog.forEachFilterFunction(Array(text.utf8), addressed: true) { name, a in
            got.append((String(decoding: name, as: UTF8.self), a))
        }
        XCTAssertEqual(got.map(\.0), ["tcp_v4_connect", "veth_xmit", "__ftrace_invalid_address___64", "dup_static", "dup_static"])
        XCTAssertEqual(got.map(\.1), [0xffff_ffff_81a2_b3c4, 0xffff_ffff_c012_3000, 0xffff_ffff_8100_0010, 0xffff_ffff_8199_9990, 0xffff_ffff_8199_9aa0])
        XCTAssertNil(FilterFunctionAddresses.parseLine(ArraySlice("1ffffffff81a2b3c4 too_long".utf8)))
        // Both addresses of a name two static functions share; nil when one function has none.
        FilterFunctionAddresses.record(["dup_static": [0xffff_ffff_8199_9990, 0xffff_ffff_8199_9aa0], "tcp_v4_connect": [0xffff_ffff_81a2_b3c4]])
        XCTAssertEqual(FilterFunctionAddresses.addresses(of: ["tcp_v4_connect", "dup_static"]),
                       [[0xffff_ffff_81a2_b3c4], [0xffff_ffff_8199_9990, 0xffff_ffff_8199_9aa0]])
        XCTAssertNil(FilterFunctionAddresses.addresses(of: ["tcp_v4_connect", "never_read"]))
    }

    func testReleaseAtLeast() {
        XCTAssertTrue(KernelFeatures.releaseAtLeast(6, 9, release: "6.12.118+deb13-amd64"))
        XCTAssertTrue(KernelFeatures.releaseAtLeast(6, 9, release: "7.3.4+deb13-amd64"))
        XCTAssertTrue(KernelFeatures.releaseAtLeast(6, 9, release: "6.9.0"))
        XCTAssertFalse(KernelFeatures.releaseAtLeast(6, 9, release: "6.8.0-49-generic"))
        XCTAssertFalse(KernelFeatures.releaseAtLeast(6, 9, release: "5.10.0-46-amd64"))
        XCTAssertFalse(KernelFeatures.releaseAtLeast(6, 9, release: "garbage"))
    }

    /// funccount matches while it parses available_filter_functions; the result
    /// must be what the whole catalog's match() gives, in file order, deduplicated.
    func testMatchingWhileParsingEqualsCatalogMatch() throws {
        let dir = NSTemporaryDirectory() + "kpath-aff-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let aff = "tcp_v4_connect\nudp_sendmsg\ntcp_connect\nveth_xmit [veth]\ntcp_connect\nbpf_tcp_sock\n__ftrace_invalid_address___64\ntcpx\n"
        try aff.write(toFile: dir + "/available_filter_functions", atomically: true, encoding: .utf8)
        for (patterns, regex) in [(["tcp_*"], false), (["tcp_*", "udp_sendmsg"], false), (["*_xmit", "tcp?"], false),
                                  (["^tcp_v4", "msg$"], true), (["bpf_*"], false)] {
            let streamed = try FunctionCatalog.matching(patterns, regex: regex, tracefs: dir)
            let whole = try FunctionCatalog.load(tracefs: dir).match(patterns, regex: regex)
            XCTAssertEqual(streamed, whole, "\(patterns)")
        }
        XCTAssertEqual(try FunctionCatalog.matching(["tcp_*"], tracefs: dir), ["tcp_v4_connect", "tcp_connect"])
        XCTAssertThrowsError(try FunctionCatalog.matching(["tcp_*", "nosuch_*"], tracefs: dir)) { e in
            XCTAssertTrue("\(e)".contains("nosuch_*"), "\(e)")
        }
    }

    func testDenyListDropsTracingInternals() {
        let deny = FunctionCatalog.denyGlobs.map(GlobPattern.init)
        for n in ["bpf_prog_run", "rcu_read_lock_held", "__bpf_prog_enter", "trace_call_bpf"] {
            XCTAssertTrue(deny.contains { $0.matches(n) }, n)
        }
        for n in ["tcp_v4_connect", "lock_sock_nested", "udp_sendmsg", "inet_sendmsg"] {
            XCTAssertFalse(deny.contains { $0.matches(n) }, n)
        }
    }

    func testLockdownParsing() {
        XCTAssertEqual(KernelFeatures.parseLockdown("none [integrity] confidentiality\n"), "integrity")
        XCTAssertEqual(KernelFeatures.parseLockdown("[none] integrity confidentiality"), "none")
        XCTAssertNil(KernelFeatures.parseLockdown(""))
    }

    func testSyscallTable() {
        XCTAssertEqual(SyscallTable.number("connect"), 42)
        XCTAssertEqual(SyscallTable.name(41), "socket")
        XCTAssertEqual(SyscallTable.name(9999), "syscall_9999")
    }
}
