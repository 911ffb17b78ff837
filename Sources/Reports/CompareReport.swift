import KernelInfo
import FoundationEssentials
import Probes
import Sessions

/// `kpath compare` as text: the article's tables and claims, side by side.
public enum CompareReport {
    public static func render(_ r: CompareResult, color: Bool = false) -> String {
        var o = ""
        let tcp = r.run(.tcp), udp = r.run(.udp)
        o += "kpath compare \(r.runs.map(\.proto.rawValue).joined(separator: " ")) — kernel \(r.kernel), \(r.dials) dials each, \(r.side) side\n"
        if r.mode == .tracepoints {
            o += "MODE: tracepoints only (degraded). \(r.modeReason ?? "")\n"
            o += "      Function counts need kprobes or fentry; below, functions are those seen on kernel stacks taken at\n"
            o += "      tracepoints (\(CompareSession.stackTracepointNames)). No call counts are invented.\n"
        } else {
            let att = r.runs.first.map { "\($0.functionsAttached) functions attached (\(r.patterns.joined(separator: ","))), \($0.functionsSkipped) skipped" } ?? ""
            o += "backend \(r.backend): \(att)\n"
        }
        o += cFormat("took %.1f s\n", r.seconds)

        if r.mode == .functions {
            // (a) the article's two funccount tables
            if let tcp { o += section("TCP client: tcp_* calls during the run (the article's funccount)"); o += funccount(tcp, prefix: "tcp_") }
            if let udp { o += section("UDP client: udp_* calls during the run"); o += funccount(udp, prefix: "udp_") }
        }

        // (b) per syscall, side by side
        o += section(r.mode == .functions ? "Per syscall: distinct functions and calls per dial" : "Per syscall: functions seen on stacks (distinct) and stack hits per dial")
        // Tracepoint mode counts stack appearances, not calls: the column says so.
        let unit = r.mode == .functions ? "calls/dial" : "stack hits/dial"
        o += pad("SYSCALL", 20) + lpad("TCP funcs", 10) + lpad(unit, 16) + "   " + lpad("UDP funcs", 10) + lpad(unit, 16) + "\n"
        for ph in clientPhases {
            let t = phases(tcp, r.mode).first { $0.phase == ph }, u = phases(udp, r.mode).first { $0.phase == ph }
            if (t?.distinct ?? 0) == 0 && (u?.distinct ?? 0) == 0 { continue }
            o += pad(ph.description, 20) + lpad("\(t?.distinct ?? 0)", 10) + lpad(f2(t?.callsPerDial ?? 0), 16) + "   "
                + lpad("\(u?.distinct ?? 0)", 10) + lpad(f2(u?.callsPerDial ?? 0), 16) + "\n"
        }

        // (c) only in TCP / only in UDP / both, for connect
        if let tcp, let udp {
            for ph in pathPhases {
                let t = phases(tcp, r.mode).first { $0.phase == ph }?.functions ?? []
                let u = phases(udp, r.mode).first { $0.phase == ph }?.functions ?? []
                if t.isEmpty && u.isEmpty { continue }
                let tn = Set(t.map(\.function)), un = Set(u.map(\.function))
                o += section("\(ph)(2): functions only in TCP, only in UDP, in both")
                o += listLine("only TCP", t.filter { !un.contains($0.function) })
                o += listLine("only UDP", u.filter { !tn.contains($0.function) })
                o += listLine("both", t.filter { un.contains($0.function) })
            }
        }

        // The article's functions, per dial and per syscall: fixed-per-dial figures show exactly.
        if r.mode == .functions {
            o += section("The article's functions: calls per dial, by the syscall they ran under")
            o += pad("FUNCTION", 26) + pad("PROTO", 6) + pad("SYSCALL", 12) + lpad("PER DIAL", 9) + lpad("IN IRQ", 8) + "\n"
            for f in keyFunctions {
                for run in [tcp, udp].compactMap({ $0 }) {
                    for ph in run.phases {
                        guard let h = ph.functions.first(where: { $0.function == f }) else { continue }
                        o += pad(f, 26) + pad(run.proto.rawValue, 6) + pad(ph.phase.description, 12) + lpad(f2(h.perDial), 9) + lpad("\(h.inInterrupt)", 8) + "\n"
                    }
                }
            }
        }

        // (d) stacks
        if let s = tcp?.stacks.first(where: { $0.phase == .connect && $0.role == .client && (FunctionRole.tcpTransmit.allNames.contains($0.functions.first ?? "") || $0.functions.contains("tcp_connect")) }) {
            o += section("TCP connect: the first transmit's kernel stack (at \(s.target))")
            o += s.frames.map { "    " + $0 }.joined(separator: "\n") + "\n"
        }
        if let s = udp?.stacks.first(where: { $0.phase == .connect && $0.role == .client && FunctionRole.udpConnect.found(in: $0.functions, on: nil) != nil }),
           let fn = FunctionRole.udpConnect.found(in: s.functions, on: KernelLine(release: r.kernel)) {
            o += section("UDP connect: \(fn)'s kernel stack")
            o += s.frames.map { "    " + $0 }.joined(separator: "\n") + "\n"
        }

        // (e) packets
        for run in [tcp, udp].compactMap({ $0 }) {
            o += section("\(run.proto.rawValue.uppercased()) packets of dial 1 (at net:net_dev_queue; \(run.packets.count) in all, \(f2(Double(run.packets.count) / Double(max(run.dials, 1)))) per dial)")
            var rows = [["ms", "client syscall", "from", "to", "flags", "len", "sent by"]]
            for p in run.packets.filter({ $0.dial == 1 }) {
                let by = p.inInterrupt ? "\(p.sender) (softirq on \(p.task)'s stack)" : "\(p.sender)"
                rows.append([cFormat("%.3f", Double(p.nsSinceStart) / 1e6), p.phase.description, p.source, p.destination, p.flags, "\(p.length)", by])
            }
            o += columns(rows)
        }

        // (f) claims
        o += section("The article's claims")
        for c in r.claims {
            let mark: String
            switch c.status {
            case .held: mark = color ? "\u{1b}[32mheld    \u{1b}[0m" : "held    "
            case .notHeld: mark = color ? "\u{1b}[31mNOT HELD\u{1b}[0m" : "NOT HELD"
            case .unknown: mark = color ? "\u{1b}[33munknown \u{1b}[0m" : "unknown "
            }
            o += "[\(mark)] \(c.id): \(c.title)\n"
            o += "           \(c.evidence)\n"
        }
        let held = r.claims.filter { $0.status == .held }.count
        o += "\n\(held) of \(r.claims.count) claims held"
        let unknown = r.claims.filter { $0.status == .unknown }.count
        if unknown > 0 { o += ", \(unknown) unknown on this kernel" }
        o += "\n"
        return o
    }

    /// The functions the article names (and their current kernel names).
    static let keyFunctions = ["tcp_v4_connect", "tcp_connect", "__tcp_transmit_skb", "tcp_transmit_skb", "ip4_datagram_connect", "udp_connect",
                               "udp_sendmsg", "ip_send_skb", "udp_recvmsg", "__skb_recv_udp", "tcp_sendmsg", "tcp_recvmsg", "tcp_close", "udp_destroy_sock"]

    /// A client's phases in the order the tables list them.
    static let clientPhases: [Phase] = [.socket, .connect, .send, .recv, .close, .other, .none]
    /// The phases whose functions are set side by side (only in TCP, only in UDP, both).
    static let pathPhases: [Phase] = [.connect, .send, .recv]

    static func phases(_ run: ProtocolRun?, _ mode: CompareMode) -> [PhaseFunctions] {
        guard let run else { return [] }
        return mode == .functions ? run.phases : run.functionsOnStacks
    }

    static func funccount(_ run: ProtocolRun, prefix: String) -> String {
        var totals: [String: UInt64] = [:]
        for ph in run.phases { for f in ph.functions where f.function.hasPrefix(prefix) { totals[f.function, default: 0] += f.calls } }
        let rows = totals.map { FunctionCount(function: $0.key, count: $0.value) }.sorted { ($0.count, $0.function) < ($1.count, $1.function) }
        var o = FunccountTable.render(rows)
        o += "(\(rows.count) distinct functions, \(rows.reduce(0) { $0 + $1.count }) calls, \(run.dials) dials)\n"
        return o
    }

    static func listLine(_ label: String, _ fns: [FunctionHits]) -> String {
        let items = fns.prefix(14).map { "\($0.function) \(f2($0.perDial))" }.joined(separator: ", ")
        let more = fns.count > 14 ? ", … (+\(fns.count - 14))" : ""
        return "  \(pad(label + " (\(fns.count))", 15)) \(items)\(more)\n"
    }

    static func section(_ title: String) -> String { "\n== \(title) ==\n" }
    static func f2(_ d: Double) -> String { cFormat("%.2f", d) }
}
