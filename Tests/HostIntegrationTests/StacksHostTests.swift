// `kpath stacks` and `kpath trace` on the host kernel, through tracepoints
// (kprobes may be locked down here; Tests/vm/stacks.sh covers functions).
// Needs root; the kpath binary is the one built next to this test bundle
// (or $KPATH_BINARY).
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Glibc
import KernelInfo
import Probes
import Sessions
import XCTest

final class StacksHostTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(geteuid() == 0, "needs root to load BPF programs")
    }

    // MARK: helpers

    static var kpath: String { kpathBinary() }

    typealias Run = CommandRun

    /// Runs kpath with `args`, killing it after `timeout` seconds.
    func kpath(_ args: [String], timeout: Double = 90) throws -> Run {
        try runCommand(Self.kpath, args, timeout: timeout, stopSignal: SIGINT)
    }

    /// An echo server on 127.0.0.1 inside this test process (not traced when
    /// kpath traces a command): returns its port.
    final class EchoServer {
        let fd: Int32
        let port: UInt16
        let proto: Int32
        private var thread: Thread?
        nonisolated(unsafe) private var stopping = false

        init(tcp: Bool) throws {
            let proto = tcp ? Int32(SOCK_STREAM.rawValue) : Int32(SOCK_DGRAM.rawValue)
            self.proto = proto
            let fd = socket(AF_INET, proto, 0)
            self.fd = fd
            guard fd >= 0 else { throw POSIXError(.EIO) }
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            var tv = timeval(tv_sec: 0, tv_usec: 200_000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            addr.sin_port = 0
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            let ok = withUnsafeMutablePointer(to: &addr) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                    bind(fd, sa, len) == 0 && getsockname(fd, sa, &len) == 0
                }
            }
            guard ok, !tcp || listen(fd, 64) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
            port = UInt16(bigEndian: addr.sin_port)
        }

        /// Starts serving (a separate step: the thread needs the whole object).
        func start(tcp: Bool) -> EchoServer {
            let t = Thread { [unowned self] in self.serve(tcp: tcp) }
            thread = t
            t.start()
            return self
        }

        private func serve(tcp: Bool) {
            var buf = [UInt8](repeating: 0, count: 65536)
            while !stopping {
                if tcp {
                    let c = accept(fd, nil, nil)
                    if c < 0 { continue }
                    while true {
                        let n = read(c, &buf, buf.count)
                        if n <= 0 { break }
                        _ = write(c, buf, n)
                    }
                    close(c)
                } else {
                    var peer = sockaddr_storage()
                    var plen = socklen_t(MemoryLayout<sockaddr_storage>.size)
                    let n = withUnsafeMutablePointer(to: &peer) { p in
                        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, &buf, buf.count, 0, $0, &plen) }
                    }
                    if n < 0 { continue }
                    _ = withUnsafePointer(to: &peer) { p in
                        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, buf, n, 0, $0, plen) }
                    }
                }
            }
        }

        func stop() {
            stopping = true
            usleep(300_000)
            close(fd)
        }
    }

    func client(_ proto: String, _ port: UInt16, count: Int = 1) -> [String] {
        [Self.kpath, "echo", "client", "--proto", proto, "--to", "127.0.0.1:\(port)", "--count", String(count)]
    }

    /// Multi-line stackcount output -> folded-style keys (comm first, outermost
    /// frame first, offsets dropped) with counts.
    func parseMultiline(_ text: String) -> [String: UInt64] {
        var out: [String: UInt64] = [:]
        var frames: [String] = []
        var comm: String? = nil
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.isEmpty { frames = []; comm = nil; continue }
            if line.hasPrefix("    ") {
                let v = String(line.dropFirst(4))
                if comm == nil { comm = v } else if let n = UInt64(v) {
                    let key = ([comm!] + frames.reversed().map(StackFrames.name)).joined(separator: ";")
                    out[key, default: 0] += n
                    frames = []; comm = nil
                }
            } else if line.hasPrefix("  ") {
                frames.append(String(line.dropFirst(2)))
            }
        }
        return out
    }

    /// Blocks of the multi-line output: the frames of each stack.
    func blocks(_ text: String) -> [[String]] {
        text.components(separatedBy: "\n\n").map { b in
            b.split(separator: "\n").filter { $0.hasPrefix("  ") && !$0.hasPrefix("    ") }.map { String($0.dropFirst(2)) }
        }.filter { !$0.isEmpty }
    }

    // MARK: kpath stacks

    func testTCPDialStackAtNetDevQueueGoesThroughTcpConnect() throws {
        let server = try EchoServer(tcp: true).start(tcp: true)
        defer { server.stop() }
        let r = try kpath(["stacks", "t:net:net_dev_queue", "--"] + client("tcp", server.port))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("Tracing 1 tracepoint for \"t:net:net_dev_queue\"... Hit Ctrl-C to end."), r.stderr)
        let syn = blocks(r.stdout).first { b in
            b.contains { $0.hasPrefix("tcp_connect+0x") } && b.contains { $0.hasPrefix("tcp_v4_connect+0x") }
        }
        XCTAssertNotNil(syn, "no stack with tcp_connect and tcp_v4_connect:\n\(r.stdout)")
        if let syn {
            XCTAssertEqual(syn.first, "net:net_dev_queue", "the event is on top")
            let names = syn.map(StackFrames.name)
            XCTAssertLessThan(names.firstIndex(of: "tcp_connect")!, names.firstIndex(of: "tcp_v4_connect")!, "innermost first")
            XCTAssertTrue(names.contains("__sys_connect") || names.contains("__x64_sys_connect"), "\(names)")
        }
        XCTAssertFalse(r.stderr.contains("lost"), r.stderr)
    }

    func testFoldedParsesBackToTheSameCountsAsMultiline() throws {
        // One UDP write per dial leaves the client through net_dev_queue: the
        // same stacks and counts in every run.
        let server = try EchoServer(tcp: false).start(tcp: false)
        defer { server.stop() }
        let multi = try kpath(["stacks", "t:net:net_dev_queue", "--"] + client("udp", server.port, count: 5))
        XCTAssertEqual(multi.status, 0, multi.stderr)
        let folded = try kpath(["stacks", "--folded", "t:net:net_dev_queue", "--"] + client("udp", server.port, count: 5))
        XCTAssertEqual(folded.status, 0, folded.stderr)
        let parsed = try FoldedStacks.parse(folded.stdout)
        XCTAssertFalse(parsed.lines.isEmpty)
        XCTAssertEqual(parsed.counts, parseMultiline(multi.stdout), "multi-line:\n\(multi.stdout)\nfolded:\n\(folded.stdout)")
        XCTAssertEqual(parsed.total, 5, folded.stdout)
        let line = try XCTUnwrap(parsed.lines.first)
        XCTAssertEqual(line.frames.last, "net:net_dev_queue")
        XCTAssertTrue(line.frames.contains("udp_sendmsg"), "\(line.frames)")
        XCTAssertFalse(line.frames.contains { $0.contains("+0x") }, "folded frames carry no offsets")
    }

    /// Counts the `<g class="frame">` groups and their rects.
    final class SVGFrames: NSObject, XMLParserDelegate {
        var frames = 0, rects = 0, inFrame = false, root = ""
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            if root.isEmpty { root = name }
            if name == "g", attributes["class"] == "frame" { frames += 1; inFrame = true }
            if name == "rect", inFrame { rects += 1 }
        }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "g" { inFrame = false }
        }
    }

    func testSVGIsWellFormedWithOneRectPerFoldedFrame() throws {
        let server = try EchoServer(tcp: true).start(tcp: true)
        defer { server.stop() }
        let path = NSTemporaryDirectory() + "kpath-stacks-\(getpid()).svg"
        defer { unlink(path) }
        let r = try kpath(["stacks", "--folded", "--svg", path, "t:net:net_dev_queue", "--"] + client("tcp", server.port, count: 2))
        XCTAssertEqual(r.status, 0, r.stderr)
        let folded = try FoldedStacks.parse(r.stdout)
        var prefixes = Set<String>()
        for l in folded.lines {
            for i in 1...l.frames.count { prefixes.insert(l.frames.prefix(i).joined(separator: ";")) }
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let parser = XMLParser(data: data)
        let d = SVGFrames()
        parser.delegate = d
        XCTAssertTrue(parser.parse(), "not well-formed: \(String(describing: parser.parserError))")
        XCTAssertEqual(d.root, "svg")
        XCTAssertEqual(d.frames, prefixes.count + 1, "one frame per distinct prefix, plus the root \"all\"")
        XCTAssertEqual(d.rects, d.frames)
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(text.contains("<title>all (\(folded.total) samples, 100.00%)</title>"))
        XCTAssertTrue(text.contains("<title>tcp_v4_connect ("))
    }

    func testBadTargetsAreOneLineErrors() throws {
        for (args, expect) in [
            (["stacks", "t:net"], "bad target \"t:net\": a tracepoint is t:CATEGORY:EVENT"),
            (["stacks", "t:net:no_such_event_kpath"], "no tracepoint net:no_such_event_kpath on this kernel"),
            (["trace", "-K", "t:nosuchcategory:x"], "no tracepoint nosuchcategory:x"),
            (["stacks", "r::tcp_v4_connect"], "return probes are not supported"),
        ] {
            let r = try kpath(args)
            XCTAssertEqual(r.status, 1, "\(args): \(r.stderr)")
            XCTAssertEqual(r.stdout, "")
            let lines = r.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("kpath: error: ") && r.stderr.contains(expect), "\(args): \(r.stderr)")
        }
    }

    func testFunctionTargetWithoutKprobesIsOneLine() throws {
        let f = KernelFeatures.detect()
        try XCTSkipIf(f.kprobesUnavailableReason == nil, "kprobes work here: Tests/vm/stacks.sh covers functions")
        let r = try kpath(["stacks", "tcp_v4_connect"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("kpath: error: cannot probe kernel functions on this kernel"), r.stderr)
    }

    func testUnwritableSVGFailsBeforeTracingAndLeavesNoFile() throws {
        let r = try kpath(["stacks", "--svg", "/nonexistent-dir/x.svg", "t:net:net_dev_queue"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("kpath: error: cannot write /nonexistent-dir/x.svg"), r.stderr)
        XCTAssertFalse(r.stderr.contains("Tracing"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/nonexistent-dir/x.svg"))

        let dir = NSTemporaryDirectory() + "kpath-svgdir-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let d = try kpath(["stacks", "--svg", dir + "/sub", "t:net:net_dev_queue"])
        XCTAssertEqual(d.status, 1)
        XCTAssertTrue(d.stderr.contains("is a directory"), d.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["sub"], "no temporary file left")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/sub"), [])
    }

    // MARK: kpath trace -K

    func testTraceKPrintsOneBlockPerHit() throws {
        let server = try EchoServer(tcp: false).start(tcp: false)
        defer { server.stop() }
        let r = try kpath(["trace", "-K", "t:net:net_dev_queue", "--"] + client("udp", server.port, count: 2))
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "PID     TID     COMM            FUNC")
        let heads = lines.filter { !$0.hasPrefix(" ") }.dropFirst()
        XCTAssertEqual(heads.count, 2, r.stdout)
        for h in heads {
            // then the tracepoint's fields by name (docs/habits.md)
            XCTAssertNotNil(h.range(of: #"^[0-9]+ +[0-9]+ +\S+ +net:net_dev_queue skbaddr=0x[0-9a-f]+ len=[0-9]+ name="lo"$"#, options: .regularExpression), h)
            XCTAssertEqual(h.range(of: " net:net_dev_queue").map { h.distance(from: h.startIndex, to: $0.lowerBound) }, 7 + 1 + 7 + 1 + 15,
                           "columns %-7d %-7d %-15s: \(h)")
        }
        XCTAssertTrue(lines.contains { $0.hasPrefix("        udp_sendmsg+0x") }, r.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("        ip_send_skb+0x") }, r.stdout)
    }

    // MARK: the Sessions API (what compare and tour call)

    /// One TCP dial from this process to `port`.
    func dial(_ port: UInt16) {
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = port.bigEndian
        _ = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var buf: [UInt8] = Array("hello".utf8)
        _ = write(s, &buf, buf.count)
        _ = read(s, &buf, buf.count)
        close(s)
    }

    func testSessionAPIGivesPhasesSoftirqAndFirstHit() throws {
        let server = try EchoServer(tcp: true).start(tcp: true)
        defer { server.stop() }
        var o = StacksSession.Options(targets: ["t:net:net_dev_queue"])
        o.pid = getpid()
        let session = try StacksSession(o)
        defer { session.stop() }
        XCTAssertEqual(session.targets, [.tracepoint(category: "net", event: "net_dev_queue")])
        dial(server.port)
        usleep(100_000)
        let stacks = try session.stacks()
        let syn = try XCTUnwrap(stacks.first { $0.contains("tcp_connect") && !$0.softirq }, "\(stacks.map(\.functions))")
        XCTAssertEqual(syn.phase, .connect)
        XCTAssertEqual(syn.tgid, UInt32(getpid()))
        XCTAssertEqual(syn.target, "net:net_dev_queue")
        XCTAssertTrue(syn.targetIsTracepoint)
        XCTAssertEqual(syn.frames.count, syn.addresses.count)
        XCTAssertEqual(syn.frames.first.map(StackFrames.name), session.kallsyms.name(syn.addresses[0]))
        XCTAssertGreaterThan(syn.firstNs, 0)
        XCTAssertTrue(stacks.contains { $0.softirq && $0.phase == .connect }, "the SYN-ACK leaves in softirq on the client's stack: \(stacks.map { ($0.functions.prefix(6), $0.softirq) })")
        for s in stacks {
            XCTAssertEqual(s.softirq, s.showsInterrupt, "the BPF side's softirq flag agrees with the stack: \(s.functions)")
        }
        let write = try XCTUnwrap(stacks.first { $0.phase == .send && !$0.softirq })
        XCTAssertGreaterThan(write.firstNs, syn.firstNs, "first_ns orders the hits")
        XCTAssertTrue(session.losses().isEmpty)
        let json = try JSONEncoder().encode(try session.result())
        XCTAssertNoThrow(try JSONDecoder().decode(StacksResult.self, from: json))
    }

    func testLostStacksAreCountedNotDropped() throws {
        let server = try EchoServer(tcp: true).start(tcp: true)
        defer { server.stop() }
        var o = StacksSession.Options(targets: ["t:net:net_dev_queue"])
        o.pid = getpid()
        o.collector.stackMapEntries = 1  // every second distinct stack collides
        let session = try StacksSession(o)
        defer { session.stop() }
        for _ in 0..<3 { dial(server.port) }
        usleep(100_000)
        let stacks = try session.stacks()
        let lost = session.losses()
        XCTAssertGreaterThan(lost.stacks, 0)
        let missed = stacks.filter { $0.stackError != nil }
        XCTAssertEqual(missed.reduce(0) { $0 + $1.count }, lost.stacks, "every lost stack is still a counted hit")
        XCTAssertTrue(missed.allSatisfy { $0.stackError == EEXIST && $0.frames.isEmpty })
        XCTAssertEqual(missed.first?.displayFrames(offsets: true).last, StackFrames.missing)
    }
}
