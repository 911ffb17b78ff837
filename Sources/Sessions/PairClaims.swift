import KernelInfo

/// Claims that belong to a pair of protocols: judged only when both were
/// compared, each side's evidence read against the other's.
///
/// - udp udp6: UDP over IPv6's connect goes through the IPv6 datagram connect
///   and route lookup in place of IPv4's, and sends nothing, as over IPv4.
/// - udp unixgram: a Unix datagram send queues the skb on the peer socket
///   (unix_dgram_sendmsg) with no ip_*/udp_* function and no packet, where
///   UDP's send runs udp_sendmsg and hands the datagram to IP.
public enum PairClaims {
    public static let titles: [(id: String, title: String)] = [
        ("udp6-connect-no-transmit", "UDP over IPv6: connect goes through ip6_datagram_connect and an IPv6 route lookup, and sends no packet, as UDP's does over IPv4"),
        ("unixgram-send-to-peer", "A Unix datagram send queues the skb on the peer socket (unix_dgram_sendmsg): no ip_*/udp_* function and no packet, where UDP's send hands the datagram to IP"),
    ]

    public static func judge(runs: [ProtocolRun], mode: CompareMode) -> [Claim] {
        func run(_ p: Proto) -> ProtocolRun? { runs.first { $0.proto == p } }
        var out: [Claim] = []
        func add(_ id: String, _ r: (ClaimStatus, String)) {
            out.append(Claim(id: id, title: titles.first { $0.id == id }!.title, status: r.0, evidence: r.1))
        }
        if let udp = run(.udp), let udp6 = run(.udp6) { add("udp6-connect-no-transmit", udp6Connect(udp: udp, udp6: udp6, mode: mode)) }
        if let udp = run(.udp), let gram = run(.unixgram) { add("unixgram-send-to-peer", unixgramSend(udp: udp, unixgram: gram, mode: mode)) }
        return out
    }

    /// IPv6's datagram connect on the lines kpath knows (7.x splits it like IPv4's).
    static let ip6Connect = ["ip6_datagram_connect", "__ip6_datagram_connect", "udpv6_connect"]
    /// IPv6's route lookup for a connect: the flow lookup, or the route table underneath it.
    static let ip6Route = ["ip6_dst_lookup_flow", "ip6_route_output_flags", "ip6_pol_route", "ip6_dst_lookup_tail.constprop.0", "ip6_dst_lookup_tail"]

    static func perDial(_ phase: PhaseFunctions?, _ names: [String]) -> FunctionHits? {
        names.lazy.compactMap { n in phase?.functions.first { $0.function == n } }.first
    }
    static func connectPackets(_ r: ProtocolRun) -> Int { r.packets.filter { $0.phase == .during(.connect) }.count }

    static func udp6Connect(udp: ProtocolRun, udp6: ProtocolRun, mode: CompareMode) -> (ClaimStatus, String) {
        let p4 = connectPackets(udp), p6 = connectPackets(udp6)
        let packets = "packets during connect(2): UDP \(p4), UDP6 \(p6)"
        if p4 > 0 || p6 > 0 { return (.notHeld, packets) }
        guard mode == .functions else {
            return (.unknown, packets + "; which connect function and route lookup ran needs kprobes or fentry (tracepoint mode: no stack is taken in a UDP connect)")
        }
        let c4 = udp.phase(.connect), c6 = udp6.phase(.connect)
        guard let c6, !c6.functions.isEmpty else { return (.unknown, packets + "; no function was counted in the udp6 client's connect (are the patterns too narrow? ip6_* is needed)") }
        let v4Names = FunctionRole.udpConnect.allNames.filter { !$0.contains("6") }
        let v4 = perDial(c4, v4Names), v6 = perDial(c6, ip6Connect), route = perDial(c6, ip6Route)
        // IPv4's own datagram connect (not 7.x's shared udp_connect) has no business in UDP6's.
        let v4In6 = perDial(c6, v4Names.filter { $0.contains("ip4") })
        func show(_ h: FunctionHits?, _ what: String) -> String { h.map { "\($0.function) \(Claims.fmt($0.perDial))/dial" } ?? "no \(what)" }
        let e = packets + "; UDP's connect: \(show(v4, "ip4 datagram connect")); UDP6's: \(show(v6, "ip6 datagram connect")), \(show(route, "IPv6 route lookup"))"
            + (v4In6.map { "; but UDP6 also ran \($0.function)" } ?? "")
        return (v6 != nil && route != nil && v4 != nil && v4In6 == nil ? .held : .notHeld, e)
    }

    static func unixgramSend(udp: ProtocolRun, unixgram: ProtocolRun, mode: CompareMode) -> (ClaimStatus, String) {
        let udpSent = udp.packets.filter { $0.phase == .during(.send) && $0.sender == .client }.count
        let packets = "packets: UNIXGRAM \(unixgram.packets.count) in the whole run, UDP \(udpSent) left during the client's write(2)"
        if !unixgram.packets.isEmpty { return (.notHeld, packets) }
        guard mode == .functions else {
            return (.unknown, packets + "; which functions a send ran needs kprobes or fentry (tracepoint mode: no tracepoint fires on a Unix datagram send)")
        }
        let s4 = udp.phase(.send), sg = unixgram.phase(.send)
        guard let sg, !sg.functions.isEmpty else { return (.unknown, packets + "; no function was counted in the unixgram client's write (are the patterns too narrow? unix_* is needed)") }
        let send = perDial(sg, ["unix_dgram_sendmsg"])
        let wake = perDial(sg, ["sock_def_readable"])
        let queued = perDial(sg, ["skb_queue_tail"])
        let ipUdp = sg.functions.filter { f in ["ip_", "ip6_", "udp_", "udpv6_", "__udp"].contains { f.function.hasPrefix($0) } }
        let udpSend = perDial(s4, FunctionRole.udpSendmsg.allNames), toIP = perDial(s4, FunctionRole.udpSendSkb.allNames)
        func show(_ h: FunctionHits?, _ what: String) -> String { h.map { "\($0.function) \(Claims.fmt($0.perDial))/dial" } ?? "no \(what)" }
        var e = packets + "; UNIXGRAM's write: \(show(send, "unix_dgram_sendmsg"))" + (queued.map { ", the skb put on the peer's queue by \($0.function) \(Claims.fmt($0.perDial))/dial" } ?? "")
            + (wake.map { ", the peer woken by \($0.function) \(Claims.fmt($0.perDial))/dial" } ?? "")
        e += ipUdp.isEmpty ? ", 0 ip_*/udp_* functions among \(sg.distinct)" : ", but ip/udp functions ran: " + ipUdp.prefix(5).map(\.function).joined(separator: ", ")
        e += "; UDP's write: \(show(udpSend, "udp_sendmsg")), \(show(toIP, "ip_send_skb"))"
        return (send != nil && ipUdp.isEmpty && udpSend != nil && toIP != nil && udpSent > 0 ? .held : .notHeld, e)
    }
}
