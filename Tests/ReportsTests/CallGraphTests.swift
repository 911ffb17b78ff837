import Probes
import Reports
import Sessions
import XCTest

/// The tree builder, merge and report on recorded event streams (what
/// graph.bpf.c emits), no kernel needed.
final class CallGraphTests: XCTestCase {
    let fns = ["__sys_connect", "tcp_v4_connect", "tcp_connect", "__tcp_transmit_skb", "tcp_v4_rcv", "__inet_stream_connect", "tcp_reset"]
    let connect = 42

    func name(_ nr: Int) -> String { nr == 42 ? "connect" : "nr\(nr)" }

    func enter(_ ts: UInt64, tid: Int32 = 10) -> CallEvent { CallEvent(kind: .syscallEnter, ts: ts, tid: tid, nr: connect) }
    func exit(_ ts: UInt64, tid: Int32 = 10, ret: Int64 = 0) -> CallEvent { CallEvent(kind: .syscallExit, ts: ts, tid: tid, nr: connect, ret: ret) }
    func call(_ f: Int, _ ts: UInt64, tid: Int32 = 10, irq: Bool = false, lost: Int = 0) -> CallEvent {
        CallEvent(kind: .entry, ts: ts, tid: tid, function: f, nr: connect, irq: irq, lostBefore: lost)
    }
    func ret(_ f: Int?, _ ts: UInt64, tid: Int32 = 10, value: Int64 = 0, irq: Bool = false) -> CallEvent {
        CallEvent(kind: .return, ts: ts, tid: tid, function: f, nr: connect, ret: value, irq: irq)
    }

    func build(_ events: [CallEvent]) -> CallGraph { CallGraph.build(events, functions: fns, syscallName: name) }

    /// One TCP connect: __sys_connect > tcp_v4_connect > tcp_connect > __tcp_transmit_skb.
    func dial(at t: UInt64, tid: Int32 = 10) -> [CallEvent] {
        [enter(t, tid: tid), call(0, t + 1, tid: tid), call(1, t + 2, tid: tid), call(2, t + 3, tid: tid),
         call(3, t + 4, tid: tid), ret(3, t + 10, tid: tid), ret(2, t + 20, tid: tid), ret(1, t + 30, tid: tid),
         ret(0, t + 40, tid: tid), exit(t + 50, tid: tid)]
    }

    func testNesting() {
        let g = build(dial(at: 1000))
        XCTAssertEqual(g.trees.count, 1)
        let t = g.trees[0]
        XCTAssertEqual(t.name, "connect")
        XCTAssertEqual(t.durationNs, 50)
        XCTAssertEqual(t.calls.map(\.function), ["__sys_connect"])
        let v4 = t.calls[0].children[0]
        XCTAssertEqual(v4.function, "tcp_v4_connect")
        XCTAssertEqual(v4.durationNs, 28)
        XCTAssertEqual(v4.children[0].function, "tcp_connect")
        XCTAssertEqual(v4.children[0].children[0].function, "__tcp_transmit_skb")
        XCTAssertEqual(v4.children[0].children[0].durationNs, 6)
        XCTAssertEqual(g.anomalies, CallGraphAnomalies())
    }

    func testInterruptOnTopOfThreadIsMarkedAndNested() {
        // The loopback peer's receive runs in softirq inside __tcp_transmit_skb.
        let e = [enter(0), call(1, 1), call(3, 2), call(4, 3, irq: true), ret(4, 8, irq: true), ret(3, 9), ret(1, 10), exit(11)]
        let g = build(e)
        let xmit = g.trees[0].calls[0].children[0]
        XCTAssertEqual(xmit.function, "__tcp_transmit_skb")
        XCTAssertFalse(xmit.irq)
        XCTAssertEqual(xmit.children.map(\.function), ["tcp_v4_rcv"])
        XCTAssertTrue(xmit.children[0].irq)
        let text = GraphReport.renderTree(g.trees[0], pruning: .init())
        XCTAssertTrue(text.contains("==========> interrupt work on top of the thread"), text)
        XCTAssertTrue(text.contains("<=========="), text)
        XCTAssertEqual(g.anomalies, CallGraphAnomalies())
    }

    func testInterruptReturnDoesNotCloseTaskCallOfSameFunction() {
        // tcp_v4_rcv entered by the task and, nested, by an interrupt: the irq return closes the irq call.
        let e = [enter(0), call(4, 1), call(4, 2, irq: true), ret(4, 3, irq: true), ret(4, 5), exit(6)]
        let g = build(e)
        XCTAssertEqual(g.trees[0].calls.count, 1)
        XCTAssertEqual(g.trees[0].calls[0].durationNs, 4)
        XCTAssertEqual(g.trees[0].calls[0].children[0].durationNs, 1)
        XCTAssertEqual(g.anomalies.entriesWithoutReturn, 0)
    }

    func testTwoThreadsInterleaved() {
        var a = dial(at: 100, tid: 1), b = dial(at: 105, tid: 2)
        var mixed: [CallEvent] = []
        while !a.isEmpty || !b.isEmpty {
            if !a.isEmpty { mixed.append(a.removeFirst()) }
            if !b.isEmpty { mixed.append(b.removeFirst()) }
        }
        let g = build(mixed)
        XCTAssertEqual(g.trees.map(\.tid), [1, 2])
        for t in g.trees {
            XCTAssertEqual(t.calls[0].children[0].children[0].children[0].function, "__tcp_transmit_skb")
        }
        XCTAssertEqual(g.anomalies, CallGraphAnomalies())
    }

    func testOrphansAreCountedNotFatal() {
        // tcp_connect never returns (a missed kretprobe); a return of tcp_reset without entry;
        // a call outside any syscall; a syscall still running at the end.
        let e = [call(2, 1, tid: 7), enter(10), call(1, 11), call(2, 12), ret(6, 13), ret(1, 20), exit(30),
                 enter(40, tid: 8), call(0, 41, tid: 8)]
        let g = build(e)
        XCTAssertEqual(g.anomalies.entriesWithoutReturn, 2)  // tcp_connect, and __sys_connect of the unfinished one
        XCTAssertEqual(g.anomalies.returnsWithoutEntry, 1)
        XCTAssertEqual(g.anomalies.outsideSyscall, 1)
        XCTAssertEqual(g.anomalies.unfinishedSyscalls, 1)
        let v4 = g.trees[0].calls[0]
        XCTAssertEqual(v4.durationNs, 9)
        XCTAssertEqual(v4.children[0].function, "tcp_connect")
        XCTAssertNil(v4.children[0].durationNs)
        XCTAssertNil(g.trees[1].durationNs)
        XCTAssertTrue(GraphReport.renderTree(g.trees[0], pruning: .init()).contains("no return"))
    }

    func testReturnWithoutFunctionMatchesInnermost() {
        // kretprobes without cookies name no function.
        let e = [enter(0), call(1, 1), call(2, 2), ret(nil, 5), ret(nil, 9), exit(10)]
        let g = build(e)
        XCTAssertEqual(g.trees[0].calls[0].durationNs, 8)
        XCTAssertEqual(g.trees[0].calls[0].children[0].durationNs, 3)
        XCTAssertEqual(g.anomalies, CallGraphAnomalies())
    }

    func testLostRecordsMarkTheTree() {
        var e = dial(at: 0)
        e[3].lostBefore = 4
        let g = build(e)
        XCTAssertEqual(g.anomalies.lostRecords, 4)
        XCTAssertEqual(g.trees[0].lost, 4)
        XCTAssertTrue(GraphReport.renderTree(g.trees[0], pruning: .init()).contains("4 records lost"))
    }

    func testErrorOriginIsInnermostFunctionReturningTheError() {
        // Refused connect on loopback: tcp_v4_connect returns 0, the RST is handled in
        // softirq (tcp_reset), __inet_stream_connect reads the socket error back.
        let e = [enter(0), call(0, 1), call(5, 2), call(1, 3), call(4, 4, irq: true), call(6, 5, irq: true),
                 ret(6, 6, irq: true), ret(4, 7, irq: true), ret(1, 8, value: 0), ret(5, 9, value: 4294967185 /* an int -111: upper half of rax zero */),
                 ret(0, 10, value: -111), exit(11, ret: -111)]
        let g = build(e)
        let o = g.trees[0].errorOrigin
        XCTAssertEqual(o?.chain, ["__sys_connect", "__inet_stream_connect"])
        XCTAssertEqual(o?.interruptFunctions, ["tcp_v4_rcv", "tcp_reset"])
        let text = GraphReport.renderTree(g.trees[0], pruning: .init())
        XCTAssertTrue(text.contains("error from: __sys_connect → __inet_stream_connect → -111 ECONNREFUSED"), text)
        XCTAssertTrue(text.contains("} /* __inet_stream_connect = -111 ECONNREFUSED */"), text)
    }

    func testMergeStatistics() {
        var e: [CallEvent] = []
        for i in 0..<20 {
            let t = UInt64(i) * 1000
            e += [enter(t), call(1, t + 1)]
            if i % 4 != 0 { e += [call(2, t + 2), ret(2, t + 2 + UInt64(i))] }  // in 15 of 20
            e += [ret(1, t + 100), exit(t + 200)]
        }
        let m = GraphMerge.merge(build(e).trees)
        XCTAssertEqual(m.count, 1)
        XCTAssertEqual(m[0].count, 20)
        XCTAssertEqual(m[0].medianNs, 200)
        let v4 = m[0].calls[0]
        XCTAssertEqual(v4.function, "tcp_v4_connect")
        XCTAssertEqual(v4.perSyscall, 1.0)
        XCTAssertEqual(v4.medianNs, 99)
        let tc = v4.children[0]
        XCTAssertEqual(tc.perSyscall, 0.75)
        // durations 1,2,3,5,6,7,9,...,19 (i % 4 != 0): nearest-rank median and p90
        let d = (0..<20).filter { $0 % 4 != 0 }.map { UInt64($0) }
        XCTAssertEqual(tc.medianNs, d[7])
        XCTAssertEqual(tc.p90Ns, d[13])
        let text = GraphReport.renderMerged(m[0], pruning: .init())
        XCTAssertTrue(text.contains("connect(): 20 calls"), text)
        XCTAssertTrue(text.contains("0.75"), text)
        XCTAssertTrue(text.contains("1.00"), text)
        let pruned = GraphReport.renderMerged(m[0], pruning: .init(depth: 1))
        XCTAssertTrue(pruned.contains("|  tcp_v4_connect() { ... 0.75 calls/syscall hidden }"), pruned)
    }

    func testPruningSaysWhatItHid() {
        let g = build(dial(at: 0))
        let deep = GraphReport.renderTree(g.trees[0], pruning: .init(depth: 2))
        XCTAssertTrue(deep.contains("tcp_v4_connect() { ... 2 calls hidden }"), deep)
        XCTAssertFalse(deep.contains("__tcp_transmit_skb"), deep)
        let quick = GraphReport.renderTree(g.trees[0], pruning: .init(minTimeNs: 15))
        XCTAssertTrue(quick.contains("    0.017 us  |      tcp_connect() { ... 1 call hidden (under 0.015 us) }"), quick)
        XCTAssertFalse(quick.contains("__tcp_transmit_skb"), quick)
        // siblings under the limit are summed up in one line
        let e = [enter(0), call(1, 1), call(2, 2), ret(2, 3), call(3, 4), ret(3, 5), call(2, 6), ret(2, 40), ret(1, 50), exit(60)]
        let some = GraphReport.renderTree(build(e).trees[0], pruning: .init(minTimeNs: 10))
        XCTAssertTrue(some.contains("    0.034 us  |    tcp_connect();"), some)
        XCTAssertTrue(some.contains("|    ... 2 calls hidden (under 0.010 us)"), some)
    }

    func testLeafOnOneLineAndTimeAtClosingBrace() {
        let text = GraphReport.renderTree(build(dial(at: 0)).trees[0], pruning: .init())
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains("    0.006 us  |        __tcp_transmit_skb();"), text)
        XCTAssertTrue(lines.contains("              |    tcp_v4_connect() {"), text)
        XCTAssertTrue(lines.contains("    0.028 us  |    } /* tcp_v4_connect */"), text)
    }

    func testConnectTreeClaim() {
        let names = ["tcp_v4_connect", "tcp_connect", "__tcp_transmit_skb", "ip4_datagram_connect", "ip_output", "tcp_v4_rcv"]
        func merged(_ e: [CallEvent]) -> [MergedSyscall] {
            GraphMerge.merge(CallGraph.build(e, functions: names, syscallName: name).trees)
        }
        let tcp = merged([enter(0), call(0, 1), call(1, 2), call(2, 3), ret(2, 4), ret(1, 5), ret(0, 6), exit(7)])
        let udp = merged([enter(0), call(3, 1), ret(3, 2), exit(3)])
        XCTAssertEqual(CompareGraph.connectTreeClaim(tcp: tcp, udp: udp).status, .held)
        // __tcp_transmit_skb only in interrupt work below tcp_connect does not count
        let irqOnly = merged([enter(0), call(0, 1), call(1, 2), call(2, 3, irq: true), ret(2, 4, irq: true), ret(1, 5), ret(0, 6), exit(7)])
        XCTAssertEqual(CompareGraph.connectTreeClaim(tcp: irqOnly, udp: udp).status, .notHeld)
        // a UDP connect that transmits
        let udpSends = merged([enter(0), call(3, 1), call(4, 2), ret(4, 3), ret(3, 4), exit(5)])
        let c = CompareGraph.connectTreeClaim(tcp: tcp, udp: udpSends)
        XCTAssertEqual(c.status, .notHeld)
        XCTAssertTrue(c.evidence.rendered.contains("but transmits through ip_output"), c.evidence.rendered)
        XCTAssertEqual(CompareGraph.connectTreeClaim(tcp: tcp, udp: []).status, .unknown)
    }

    func testGraphHTMLIsNestedDetails() {
        let m = GraphMerge.merge(build(dial(at: 0)).trees)
        let html = HTMLReport.graphNodes(m[0].calls, total: m[0].medianNs ?? 1)
        XCTAssertTrue(html.hasPrefix("<details><summary>"), html)
        XCTAssertTrue(html.contains("<div class=\"leaf\">"), html)
        XCTAssertTrue(html.contains("<code>__tcp_transmit_skb()</code>"), html)
        XCTAssertFalse(html.contains("<script"), html)
    }
}
