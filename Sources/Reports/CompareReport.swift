import KernelInfo
import FoundationEssentials
import Probes
import Sessions

/// `kpath compare` as text: the article's tables and claims, side by side.
public enum CompareReport {
    /// Prose and lists wrap to `width` (Terminal.width: COLUMNS, the tty, or 80);
    /// stack frames are clipped with `…`; tables are as wide as their cells (docs/json.md, "Width").
    public static func render(_ r: CompareResult, color: Bool = false, width: Int = Terminal.width) -> String {
        func wrap(_ text: String, _ indent: String = "  ", first: String = "") -> String {
            Terminal.wrap(text, width: width, first: first, indent: indent) + "\n"
        }
        // "== title ==", wrapped; the closing "==" only where it still fits.
        func section(_ title: String) -> String {
            let t = Terminal.wrap("== " + title, width: width, indent: "   ")
            let last = t.split(separator: "\n", omittingEmptySubsequences: false).last ?? ""
            return "\n" + t + (last.count + 3 <= width ? " ==" : "") + "\n"
        }
        var o = ""
        o += wrap("kpath compare \(r.runs.map { $0.name.map { "--run \($0)" } ?? $0.proto.rawValue }.joined(separator: " ")) — kernel \(r.kernel), \(r.dials) \(r.repetitions) each, \(r.side) side")
        if let link = r.link { o += wrap("link: \(link)") }
        if r.mode == .tracepoints {
            o += wrap("MODE: tracepoints only (degraded). \(r.modeReason ?? "")", "      ")
            o += wrap("Function counts need kprobes or fentry; below, functions are those seen on kernel stacks taken at "
                      + "tracepoints (\(CompareSession.stackTracepointNames)). No call counts are invented.", "      ", first: "      ")
        } else {
            let att = r.runs.first.map { "\($0.functionsAttached) functions attached (\(r.patterns.joined(separator: ","))), \($0.functionsSkipped) skipped" } ?? ""
            o += wrap("backend \(r.backend.rawValue): \(att)")
            if let line = r.functionSet?.headerLine { o += wrap(line) }
        }
        o += cFormat("took %.1f s\n", r.seconds)

        if r.mode == .functions {
            // (a) the article's funccount tables, one per protocol
            for run in r.runs where run.proto != .command {
                let prefix = funccountPrefix(run.proto)
                o += section("\(run.proto.title) client: \(prefix)* calls during the run" + (run.proto == .tcp ? " (the article's funccount)" : ""))
                o += funccount(run, prefix: prefix)
            }
        }

        // (b) per syscall, side by side: one pair of columns per protocol
        o += section(r.mode == .functions ? "Per syscall: distinct functions and calls per \(r.isCommandRun ? "run" : "dial")" : "Per syscall: functions seen on stacks (distinct) and stack hits per \(r.isCommandRun ? "run" : "dial")")
        // Tracepoint mode counts stack appearances, not calls: the column says so.
        let one = r.isCommandRun ? "run" : "dial"
        let unit = r.mode == .functions ? "calls/\(one)" : "stack hits/\(one)"
        var table = [["SYSCALL"] + r.runs.flatMap { ["\($0.title) funcs", unit] }]
        for ph in clientPhases {
            let cells = r.runs.map { run in phases(run, r.mode).first { $0.phase == ph } }
            if cells.allSatisfy({ ($0?.distinct ?? 0) == 0 }) { continue }
            table.append([ph.description] + cells.flatMap { ["\($0?.distinct ?? 0)", f2($0?.callsPerDial ?? 0)] })
        }
        o += columns(table)

        if r.isCommandRun && table.count == 1 { o += "  (none: no function was \(r.mode == .functions ? "counted" : "on a stack taken") while the commands ran)\n" }
        o += CommandRunReport.syscalls(r)

        // (c) per path syscall: functions only in one protocol, in some, in all
        if r.runs.count >= 2 {
            // A command's work is mostly in syscalls of no socket phase: those too.
            for ph in r.isCommandRun ? pathPhases + [.other] : pathPhases {
                let sets = r.runs.map { run in phases(run, r.mode).first { $0.phase == ph }?.functions ?? [] }
                if sets.allSatisfy(\.isEmpty) { continue }
                o += section(onlyInTitle(ph, r.runs.map(\.title)))
                o += onlyIn(zip(r.runs.map(\.title), sets).map { ($0, $1) }, width: width)
            }
        }

        // The article's functions, per dial and per syscall: fixed-per-dial figures show exactly.
        if r.mode == .functions && !r.isCommandRun {
            o += section("The article's functions: calls per dial, by the syscall they ran under")
            var rows = [["FUNCTION", "PROTO", "SYSCALL", "PER DIAL", "IN IRQ"]]
            for f in keyFunctions {
                for run in r.runs {
                    for ph in run.phases {
                        guard let h = ph.functions.first(where: { $0.function == f }) else { continue }
                        rows.append([f, run.proto.rawValue, ph.phase.description, f2(h.perDial), "\(h.inInterrupt)"])
                    }
                }
            }
            o += columns(rows)
        }

        // (d) stacks
        for run in r.runs where run.proto == .tcp || run.proto == .tcp6 {
            if let s = run.stacks.first(where: { $0.phase == .connect && $0.role == .client && (FunctionRole.tcpTransmit.allNames.contains($0.functions.first ?? "") || $0.functions.contains("tcp_connect")) }) {
                o += section("\(run.proto.title) connect: the first transmit's kernel stack (at \(s.target))")
                o += s.frames.map { Terminal.clip("    " + $0, width: width) }.joined(separator: "\n") + "\n"
            }
        }
        if let udp = r.run(.udp), let s = udp.stacks.first(where: { $0.phase == .connect && $0.role == .client && FunctionRole.udpConnect.found(in: $0.functions, on: nil) != nil }),
           let fn = FunctionRole.udpConnect.found(in: s.functions, on: KernelLine(release: r.kernel)) {
            o += section("UDP connect: \(fn)'s kernel stack")
            o += s.frames.map { Terminal.clip("    " + $0, width: width) }.joined(separator: "\n") + "\n"
        }

        // (e) packets: Unix sockets have none to show (they never reach a network device)
        for run in r.runs {
            if run.proto == .command && run.packets.isEmpty {
                o += section("\(run.title) packets")
                o += "  none: no packet reached a network device (net:net_dev_queue) while \(run.title) ran\n"
                continue
            }
            if run.proto.isUnix && run.packets.isEmpty {
                o += section("\(run.proto.title) packets")
                o += wrap("none: a Unix socket hands its data to the peer socket directly; nothing reaches a network device (net:net_dev_queue saw no packet from the client's or server's tasks)", "  ", first: "  ")
                continue
            }
            o += section("\(run.title) packets of \(one) 1 (at net:net_dev_queue; \(run.packets.count) in all, \(f2(Double(run.packets.count) / Double(max(run.dials, 1)))) per \(one))")
            var rows = [["ms", run.proto == .command ? "syscall" : "client syscall", "from", "to", "flags", "len", "sent by"]]
            // The device column only when a packet left through something other than loopback (--peer netns: the veth ends).
            let devices = run.packets.contains { $0.device != nil && $0.device != "lo" }
            if devices { rows[0].append("device") }
            for p in run.packets.filter({ $0.dial == 1 }) {
                let by = p.inInterrupt ? "\(p.sender) (softirq on \(p.task)'s stack)" : "\(p.sender)"
                rows.append([cFormat("%.3f", Double(p.nsSinceStart) / 1e6), p.phase.description, p.source, p.destination, p.flags.description, "\(p.length)", by]
                            + (devices ? [p.device ?? "?"] : []))
            }
            o += columns(rows)
        }

        // (f) claims
        o += section(r.run(.tcp) != nil && r.run(.udp) != nil ? "The article's claims" : "Claims")
        for c in r.claims {
            let mark: String
            switch c.status {
            case .held: mark = color ? "\u{1b}[32mheld    \u{1b}[0m" : "held    "
            case .notHeld: mark = color ? "\u{1b}[31mNOT HELD\u{1b}[0m" : "NOT HELD"
            case .unknown: mark = color ? "\u{1b}[33munknown \u{1b}[0m" : "unknown "
            }
            // The mark is 10 columns whatever its colour codes.
            o += "[\(mark)] " + wrap("\(c.id): \(c.title)", "           ", first: "           ").dropFirst(11)
            o += wrap(c.evidence.rendered, "             ", first: "           ")
        }
        if r.claims.isEmpty && r.isCommandRun {
            return o + "no claim is judged for --run: kpath puts the commands side by side, it knows no claim about them\n"
        }
        if r.claims.isEmpty {
            // e.g. compare udp udp6: the article's claims need tcp and udp; unix and tcp6 have their own.
            return o + "no claim is judged for \(r.runs.map(\.proto.rawValue).joined(separator: ", ")): the article's need tcp and udp; unix and tcp6 have their own (docs/compare.md)\n"
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
                               "udp_sendmsg", "ip_send_skb", "udp_recvmsg", "__skb_recv_udp", "tcp_sendmsg", "tcp_recvmsg", "tcp_close", "udp_destroy_sock",
                               // and their IPv6 and Unix counterparts, when those protocols are compared
                               "tcp_v6_connect", "ip6_datagram_connect", "udpv6_sendmsg", "udpv6_recvmsg",
                               "unix_stream_connect", "unix_dgram_connect", "unix_stream_sendmsg", "unix_dgram_sendmsg"]

    /// A client's phases in the order the tables list them.
    static let clientPhases: [Phase] = [.socket, .connect, .send, .recv, .close, .other, .none]
    /// The functions a protocol's own funccount table lists.
    static func funccountPrefix(_ p: Proto) -> String {
        switch p {
        case .tcp, .tcp6: return "tcp_"
        case .udp: return "udp_"
        case .udp6: return "udp"        // udpv6_* and the udp_* it shares with IPv4
        case .unix, .unixgram: return "unix_"
        case .command: return ""
        }
    }

    /// "connect(2): functions only in TCP, only in UDP, in both"
    static func onlyInTitle(_ ph: Phase, _ protos: [String]) -> String {
        let only = protos.map { "only in \($0)" }.joined(separator: ", ")
        return (ph == .other ? "other syscalls" : "\(ph)(2)") + ": functions \(only), " + (protos.count == 2 ? "in both" : "in all, in some")
    }

    /// Per protocol the functions no other one ran; then those all ran; with
    /// three or more, those some but not all ran (and which).
    static func onlyIn(_ sets: [(String, [FunctionHits])], width: Int = Terminal.fallback) -> String {
        var o = ""
        let names = sets.map { Set($0.1.map(\.function)) }
        for (i, (p, fns)) in sets.enumerated() {
            let others = names.enumerated().filter { $0.offset != i }.map(\.element)
            o += listLine("only \(p)", fns.filter { f in !others.contains { $0.contains(f.function) } }, width: width)
        }
        let first = sets.first?.1 ?? []
        let label = sets.count == 2 ? "both" : "all"
        o += listLine(label, first.filter { f in names.allSatisfy { $0.contains(f.function) } }, width: width)
        if sets.count > 2 {
            var some: [String: [String]] = [:]
            for (p, fns) in sets {
                for f in fns.map(\.function) {
                    let n = names.filter { $0.contains(f) }.count
                    if n > 1 && n < sets.count { some[f, default: []].append(p) }
                }
            }
            let items = some.sorted { $0.key < $1.key }.prefix(14).map { "\($0.key) (\($0.value.map { $0.lowercased() }.joined(separator: ",")))" }
            let more = some.count > 14 ? ["… (+\(some.count - 14))"] : []
            o += Terminal.wrapList(Array(items) + more, width: width, first: "  \(pad("some (\(some.count))", 15)) ", indent: String(repeating: " ", count: 18)) + "\n"
        }
        return o
    }

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

    /// `  only TCP (12)   a 1.00, b 2.00, …` wrapped after a comma, continued under the first item.
    static func listLine(_ label: String, _ fns: [FunctionHits], width: Int = Terminal.fallback) -> String {
        let items = fns.prefix(14).map { "\($0.function) \(f2($0.perDial))" }
        let more = fns.count > 14 ? ["… (+\(fns.count - 14))"] : []
        // "only UNIXGRAM (12)" is wider than the usual 15 columns: one space still follows.
        let head = label + " (\(fns.count))"
        let first = "  \(pad(head, max(15, head.count))) "
        return Terminal.wrapList(items + more, width: width, first: first, indent: String(repeating: " ", count: 18)) + "\n"
    }
    static func f2(_ d: Double) -> String { cFormat("%.2f", d) }
}
