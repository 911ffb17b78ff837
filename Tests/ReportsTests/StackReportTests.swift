import Foundation
import XCTest
@testable import Probes
@testable import Reports
@testable import Sessions

final class StackReportTests: XCTestCase {
    func stack(_ target: String, tracepoint: Bool = false, _ frames: [String], count: UInt64, comm: String = "curl",
               tgid: UInt32 = 100, first: UInt64 = 0, error: Int32? = nil) -> KernelStack {
        KernelStack(target: target, targetIsTracepoint: tracepoint, frames: frames,
                    addresses: frames.indices.map { 0xffffffff81000000 + UInt64($0) * 0x100 }, count: count, firstNs: first,
                    tgid: tgid, tid: tgid, comm: comm, phase: .connect, softirq: false, stackError: error)
    }

    let connect = ["tcp_v4_connect+0x5", "__inet_stream_connect+0x11a", "__sys_connect+0x89", "do_syscall_64+0x71"]
    let tx = ["__dev_queue_xmit+0x486", "ip_output+0x5f", "__tcp_transmit_skb+0xa10", "tcp_connect+0xb23", "tcp_v4_connect+0x474"]

    // MARK: folded

    func testFoldedParseAndRender() throws {
        let f = try FoldedStacks.parse("curl;a;b 3\r\nWeb Content;x;y;z 10\n\n   \nkpath;only 1")
        XCTAssertEqual(f.lines.count, 3)
        XCTAssertEqual(f.lines[0], .init(frames: ["curl", "a", "b"], count: 3))
        XCTAssertEqual(f.lines[1].frames.first, "Web Content", "spaces belong to the frame; the count is after the last one")
        XCTAssertEqual(f.total, 14)
        XCTAssertEqual(try FoldedStacks.parse(f.render()), f)
        XCTAssertEqual(try FoldedStacks.parse("a;b 1\na;b 2\n").counts, ["a;b": 3])
    }

    func testFoldedParseRejectsBadLines() {
        for bad in ["a;b", "a;b x", "a;b -1", " 3", "a;b 1.5"] {
            XCTAssertThrowsError(try FoldedStacks.parse("ok 1\n" + bad + "\n"), bad) { e in
                XCTAssertTrue("\(e)".contains("line 2"), "\(e)")
            }
        }
    }

    func testFoldedFromStacksIsCommThenOutermostFirstWithoutOffsets() {
        let s = [stack("tcp_v4_connect", connect, count: 2), stack("tcp_v4_connect", connect.map { $0.replacingOccurrences(of: "0x5", with: "0x1") }, count: 1)]
        let f = FoldedStacks(stacks: s)
        XCTAssertEqual(f.lines, [.init(frames: ["curl", "do_syscall_64", "__sys_connect", "__inet_stream_connect", "tcp_v4_connect"], count: 3)],
                       "stacks that differ only by offsets merge")
        XCTAssertEqual(f.render(), "curl;do_syscall_64;__sys_connect;__inet_stream_connect;tcp_v4_connect 3\n")
    }

    func testFoldedTracepointLeafAndCleaning() {
        let s = [stack("net:net_dev_queue", tracepoint: true, tx, count: 4, comm: "a;b\nc")]
        let f = FoldedStacks(stacks: s)
        XCTAssertEqual(f.lines[0].frames.first, "a:b c")
        XCTAssertEqual(f.lines[0].frames.last, "net:net_dev_queue", "the event is the leaf")
        XCTAssertEqual(f.lines[0].frames[f.lines[0].frames.count - 2], "__dev_queue_xmit")
    }

    // MARK: multi-line

    func testMultilineLayoutLikeStackcount() {
        let m = [stack("tcp_v4_connect", connect, count: 7)].merged(offsets: true)
        XCTAssertEqual(StackReport.multiline(m), """
          tcp_v4_connect+0x5
          __inet_stream_connect+0x11a
          __sys_connect+0x89
          do_syscall_64+0x71
            curl
            7


        """)
        let p = [stack("tcp_v4_connect", connect, count: 7)].merged(offsets: false, perProcess: true)
        XCTAssertEqual(StackReport.multiline(p).split(separator: "\n").map(String.init),
                       ["  tcp_v4_connect", "  __inet_stream_connect", "  __sys_connect", "  do_syscall_64", "    curl [100]", "    7"])
    }

    func testMostFrequentFirstAndLimit() {
        let s = [stack("f", ["f+0x0", "a+0x1"], count: 1, first: 5), stack("f", ["f+0x0", "b+0x1"], count: 9),
                 stack("f", ["f+0x0", "c+0x1"], count: 1, first: 2)]
        let m = s.merged(offsets: true)
        XCTAssertEqual(m.map(\.count), [9, 1, 1])
        XCTAssertEqual(m[1].frames[1], "c+0x1", "ties: the earlier first hit first")
        let out = StackReport.multiline(m, limit: 1)
        XCTAssertTrue(out.contains("b+0x1") && !out.contains("a+0x1"))
        XCTAssertEqual(StackReport.folded(m, limit: 2).split(separator: "\n").count, 2)
    }

    func testMultilineParsesBackToTheFoldedCounts() throws {
        let s = [stack("net:net_dev_queue", tracepoint: true, tx, count: 3),
                 stack("net:net_dev_queue", tracepoint: true, Array(tx.prefix(3)), count: 2, comm: "Web Content"),
                 stack("net:net_dev_queue", tracepoint: true, [], count: 1, error: 17)]
        let multi = StackReport.parseMultiline(StackReport.multiline(s.merged(offsets: false)))
        let folded = try FoldedStacks.parse(StackReport.folded(s.merged(offsets: false)))
        XCTAssertEqual(FoldedStacks(multi).counts, folded.counts)
        XCTAssertEqual(multi.map(\.count).reduce(0, +), 6)
        XCTAssertEqual(multi[1].comm, "Web Content")
        XCTAssertTrue(multi.last!.missed)
    }

    func testDisplayFramesPutTheTargetOnTop() {
        XCTAssertEqual(stack("tcp_v4_connect", connect, count: 1).displayFrames(offsets: false).first, "tcp_v4_connect")
        XCTAssertEqual(stack("tcp_v4_connect", connect, count: 1).displayFrames(offsets: false).count, 4, "not repeated when already the top frame")
        let tp = stack("net:net_dev_queue", tracepoint: true, tx, count: 1).displayFrames(offsets: true)
        XCTAssertEqual(Array(tp.prefix(2)), ["net:net_dev_queue", "__dev_queue_xmit+0x486"])
        // kprobe.multi may report the address past the function's first instruction in a caller's symbol: still labelled.
        XCTAssertEqual(stack("ip_send_skb", ["udp_send_skb+0x150", "udp_sendmsg+0x9"], count: 1).displayFrames(offsets: true).first, "ip_send_skb")
        XCTAssertEqual(stack("f", [], count: 1, error: 17).displayFrames(offsets: true), ["f", StackFrames.missing])
    }

    func testFrameNames() {
        XCTAssertEqual(StackFrames.name("tcp_v4_connect+0x474"), "tcp_v4_connect")
        XCTAssertEqual(StackFrames.name("veth_xmit+0x20 [veth]"), "veth_xmit")
        XCTAssertEqual(StackFrames.nameWithModule("veth_xmit+0x20 [veth]"), "veth_xmit [veth]")
        XCTAssertEqual(StackFrames.name("do_softirq.part.0+0x3b"), "do_softirq.part.0")
        XCTAssertEqual(StackFrames.name("0xffffffffc0001234"), "0xffffffffc0001234")
        XCTAssertTrue(stack("x", tx, count: 1).contains("tcp_connect"))
        XCTAssertEqual(stack("x", tx, count: 1).functions.last, "tcp_v4_connect")
    }

    func testKernelStackJSONUsesPhaseNamesAndHexAddresses() throws {
        let s = stack("tcp_v4_connect", connect, count: 2)
        let json = try JSONReport.encode(s)
        XCTAssertTrue(json.contains("\"phase\" : \"connect\""), json)
        XCTAssertTrue(json.contains("\"0xffffffff81000100\""), json)
        XCTAssertEqual(try JSONDecoder().decode(KernelStack.self, from: Data(json.utf8)), s)
    }

    // MARK: trace -K

    func testTraceBlockLikeBccTrace() {
        let h = TraceHit(ns: 1, target: "tcp_v4_connect", targetIsTracepoint: false, tgid: 6747, tid: 6749, comm: "main",
                         phase: .connect, softirq: false, frames: ["tcp_v4_connect+0x0", "__inet_stream_connect+0x238"], addresses: [1, 2])
        XCTAssertEqual(TraceReport.header, "PID     TID     COMM            FUNC")
        XCTAssertEqual(TraceReport.block(h, kernelStack: true), """
        6747    6749    main            tcp_v4_connect
                tcp_v4_connect+0x0
                __inet_stream_connect+0x238

        """)
        XCTAssertEqual(TraceReport.block(h, kernelStack: false), "6747    6749    main            tcp_v4_connect\n")
        var lost = h
        lost.stackError = 17
        XCTAssertTrue(TraceReport.block(lost, kernelStack: true).contains("[Missed Kernel Stack: File exists]"))
    }

    func testLossLines() {
        XCTAssertEqual(StackReport.lossLines(StackLosses()), [])
        XCTAssertEqual(StackReport.lossLines(StackLosses(unnamed: 3)),
                       ["kpath: 3 hits at an address kpath could not name (missing from the table); rerun with --backend kprobe"])
        let l = StackReport.lossLines(StackLosses(stacks: 3, counts: 1, events: 2))
        XCTAssertTrue(l[0].hasPrefix("kpath: 3 stacks lost (stack map full)"))
        XCTAssertEqual(l[1], "kpath: 1 hit not counted (stack count map full)")
        XCTAssertEqual(l[2], "kpath: 2 events lost (ring buffer full)")
    }

    func testTracingLine() {
        XCTAssertEqual(StackReport.tracingLine(targets: [.tracepoint(category: "net", event: "net_dev_queue")], attached: 1, specs: ["t:net:net_dev_queue"]),
                       "Tracing 1 tracepoint for \"t:net:net_dev_queue\"... Hit Ctrl-C to end.")
        XCTAssertEqual(StackReport.tracingLine(targets: [.function("a"), .function("b"), .tracepoint(category: "c", event: "d")], attached: 3, specs: ["a", "b", "t:c:d"]),
                       "Tracing 2 functions and 1 tracepoint for \"a,b,t:c:d\"... Hit Ctrl-C to end.")
    }

    // MARK: target specs

    func testTargetSpecs() throws {
        XCTAssertEqual(try TargetSpec.parse("t:net:net_dev_queue"), .tracepoint(category: "net", event: "net_dev_queue"))
        XCTAssertEqual(try TargetSpec.parse("tracepoint:tcp:*"), .tracepoint(category: "tcp", event: "*"))
        XCTAssertEqual(try TargetSpec.parse("tcp_v4_connect"), .function(pattern: "tcp_v4_connect"))
        XCTAssertEqual(try TargetSpec.parse("p::tcp_*"), .function(pattern: "tcp_*"))
        XCTAssertEqual(try TargetSpec.parse("kprobe:ip4_datagram_connect"), .function(pattern: "ip4_datagram_connect"))
        for bad in ["t:net", "t::x", "t:net:", "t:a:b:c", "r::tcp_v4_connect", "u:libc:malloc", "x:y", "", "tcp v4", "p:lib:func", "t:net/x:y"] {
            XCTAssertThrowsError(try TargetSpec.parse(bad), bad) { e in
                let s = "\(e)"
                XCTAssertTrue(s.hasPrefix("bad target"), s)
                XCTAssertFalse(s.contains("\n"))
            }
        }
    }

    func testTracepointLookupAndGlobs() throws {
        let all = ["net:net_dev_queue", "net:net_dev_xmit", "tcp:tcp_probe", "sock:inet_sock_set_state"]
        let exists: (String, String) -> Bool = { all.contains("\($0):\($1)") }
        XCTAssertEqual(try TargetSpec.tracepoint(category: "net", event: "net_dev_queue").tracepoints(exists: exists, all: { all }),
                       [.tracepoint(category: "net", event: "net_dev_queue")])
        XCTAssertEqual(try TargetSpec.tracepoint(category: "net", event: "net_dev_*").tracepoints(exists: exists, all: { all }).count, 2)
        XCTAssertThrowsError(try TargetSpec.tracepoint(category: "net", event: "nosuch").tracepoints(exists: exists, all: { all })) { e in
            XCTAssertEqual("\(e)", ProbeError.unknownTracepoint("net:nosuch").description)
        }
        XCTAssertThrowsError(try TargetSpec.tracepoint(category: "nope", event: "*").tracepoints(exists: exists, all: { all }))
    }
}
