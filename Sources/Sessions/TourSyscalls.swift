import FoundationEssentials
import Glibc
import KernelInfo
import Probes
import Workload

/// The tour's `kpath syscalls` steps, run in-process: the same session the
/// command runs, so the evidence is picked from SyscallRecords (never from
/// the lines Reports prints), while the step still shows the command line a
/// reader would type to see it.
extension TourSession {
    /// `kpath syscalls -e EXPR -- kpath ARGS` (the command's output and the
    /// records), or with `pid`, `-p PID` while `whileTracing` runs.
    func syscalls(_ expr: String, command args: [String] = [], pid: Int32? = nil,
                  whileTracing: (() throws -> Void)? = nil, timeout: Double = 60) throws -> TourCalls {
        var o = SyscallsSession.Options(filter: try SyscallFilter.parse(expr))
        let log = dir.path + "/syscalls-\(UInt32.random(in: 0...UInt32.max)).log"
        o.pid = pid
        o.command = args.isEmpty ? [] : [exe] + args
        o.accumulate = true
        o.commandOutput = .fileAndErrors(log)
        let session = try SyscallsSession(o)
        var status: Int32 = 0
        try session.releaseCommand()
        if let whileTracing { try whileTracing(); usleep(200_000) }
        let start = Date()
        while let c = session.child, c.isRunning {
            _ = session.poll(timeoutMs: 100)
            if Interrupt.requested { c.terminate(signal: SIGINT); _ = c.wait(); _ = session.stop(); throw Cancelled() }
            if Date().timeIntervalSince(start) > timeout { c.terminate(signal: SIGKILL); break }
        }
        if let c = session.child { status = c.wait() }
        _ = session.stop()
        let shown = ["syscalls", "-e", expr] + (pid.map { ["-p", String($0)] } ?? []) + (args.isEmpty ? [] : ["--", exe] + args)
        return TourCalls(display: display(shown), exitStatus: status, records: session.result(exitStatus: status).records,
                         output: args.isEmpty ? [] : readLines(log))
    }

    /// What a reader types: `sudo kpath ARGS`, the tour's own path as `kpath`.
    func display(_ args: [String]) -> String {
        (["sudo", "kpath"] + args.map { $0 == exe ? "kpath" : TourEvidence.shellQuote($0) }).joined(separator: " ")
    }
}

/// A call and the file or socket path it named (`openat:/etc/hosts` as text).
public struct NamedCall: Sendable, Equatable, CustomStringConvertible {
    public var call: String
    public var name: String
    public var description: String { call + ":" + name }
}

/// A `kpath syscalls` step: the records, and what the traced command said.
struct TourCalls {
    var display: String
    var exitStatus: Int32
    var records: [SyscallRecord]
    var output: [String]
    func shown(_ lines: [Evidence]) -> TourCommandRun { TourCommandRun(display: display, exitStatus: exitStatus, lines: lines) }
}

/// Picking the syscalls that make a step's point, from records.
extension TourEvidence {
    static let afInet: UInt64 = 2, afInet6: UInt64 = 10

    /// Each record as a line of evidence (printed by Reports).
    public static func quoted(_ records: [SyscallRecord]) -> [Evidence] { records.map { "\($0)" } }

    /// The path a call named (openat, access, stat...; copied at entry), or
    /// the Unix socket path it connected to.
    static func named(_ r: SyscallRecord) -> String? {
        if let p = r.address?.path { return p }
        guard ["open", "openat", "openat2", "newfstatat", "stat", "lstat", "access", "faccessat", "faccessat2"].contains(r.name),
              !r.data.isEmpty else { return nil }
        let s = String(decoding: r.data.prefix { $0 != 0 }, as: UTF8.self)
        return s.isEmpty ? nil : s
    }

    /// The resolution's syscalls: those after program start-up (the first
    /// look at /etc/nsswitch.conf, /etc/hosts, /etc/resolv.conf, /etc/gai.conf
    /// or nscd) up to the first AF_INET/AF_INET6 socket(2). `calls` names
    /// each call with the file it named, for comparing two runs.
    public static func resolutionWindow(_ records: [SyscallRecord]) -> (records: [SyscallRecord], calls: [NamedCall]) {
        let markers = ["/etc/nsswitch.conf", "/etc/hosts", "/etc/resolv.conf", "/etc/host.conf", "/etc/gai.conf", "nscd"]
        guard let end = records.firstIndex(where: { $0.name == "socket" && [afInet, afInet6].contains($0.arg(0)) }),
              let start = records[..<end].firstIndex(where: { r in named(r).map { n in markers.contains { n.contains($0) } } ?? false })
        else { return ([], []) }
        // nscd is tried with an AF_UNIX socket just before the marker call
        // (another thread's call may sit between them).
        var s = start
        if let u = records[max(0, start - 3)..<start].firstIndex(where: { $0.name == "socket" && $0.arg(0) == 1 }) { s = u }
        let window = Array(records[s..<end])
        // What identifies a resolution: the files and sockets it names, in
        // order (calls without a name, and other threads' futex waits, vary).
        return (window, window.compactMap { r in named(r).map { NamedCall(call: r.name, name: $0) } })
    }

    /// The resolution calls worth reading: the files and nscd, and the reads
    /// of them that returned data (stat, seek and close calls left out).
    public static func resolutionHighlights(_ window: [SyscallRecord]) -> [SyscallRecord] {
        window.filter { ["socket", "connect", "openat", "open", "access"].contains($0.name) || $0.name == "read" && $0.ret > 0 }
    }

    /// The deadline run from its UDP connect on: the setsockopt, the failing
    /// read and what the client said (program start-up's reads left out).
    public static func deadline(_ run: (records: [SyscallRecord], output: [String])) -> [Evidence] {
        let from = run.records.firstIndex { $0.name == "connect" && $0.address?.ip != nil } ?? run.records.count
        let kept = run.records[from...].filter { ["connect", "setsockopt"].contains($0.name) || $0.name == "read" && $0.failed }
        return quoted(Array(kept)) + run.output.filter { $0.contains("i/o timeout") }.map { Evidence($0) }
    }

    /// Step 6's own claim, from the two servers' syscalls: a recvfrom that
    /// returned a sender, then a sendto to that same address, and no accept.
    public static func udpServerClaim(udp: [SyscallRecord], tcp: [SyscallRecord]) -> Claim {
        let title = "A UDP server has no accept: recvfrom returns each datagram with its sender, sendto answers that address"
        let noAccept = !udp.contains { $0.name.hasPrefix("accept") || $0.name == "listen" }
        let tcpAccepts = tcp.contains { $0.name.hasPrefix("accept") }
        for (i, r) in udp.enumerated() where r.name == "recvfrom" && !r.failed {
            guard let peer = inetPeer(r), let reply = udp[(i + 1)...].first(where: { $0.name == "sendto" }), inetPeer(reply) == peer else { continue }
            return Claim(id: "udp-server-recvfrom", title: title, status: noAccept ? .held : .notHeld,
                         evidence: "recvfrom returned \(r.ret) bytes from \(peer); the next sendto went to \(peer)"
                            + (noAccept ? "; no listen or accept" : "; but the UDP server called accept")
                            + (tcpAccepts ? " (the TCP server called accept4 for each connection)" : ""))
        }
        if udp.isEmpty { return Claim(id: "udp-server-recvfrom", title: title, status: .unknown, evidence: "no syscall of the UDP server was recorded") }
        var e: Evidence = "no recvfrom answered by a sendto to the same address: "
        for (n, r) in udp.prefix(3).enumerated() { e = e + (n == 0 ? "\(r)" : "; \(r)") }
        return Claim(id: "udp-server-recvfrom", title: title, status: .notHeld, evidence: e)
    }

    /// `127.0.0.1:40000`: the IPv4/IPv6 address a call named, decoded.
    static func inetPeer(_ r: SyscallRecord) -> String? {
        guard let a = r.address, let ip = a.ip, let port = a.port else { return nil }
        return "\(ip):\(port)"
    }
}
