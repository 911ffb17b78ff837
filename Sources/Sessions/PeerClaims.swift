import KernelInfo

/// The claim a real link with a round-trip time makes checkable (`compare
/// --peer netns --rtt DUR`): TCP's connect(2) waits for the SYN-ACK, one
/// round trip; UDP's connect only records the peer and returns at once. Timed
/// from the client's syscall records (enter to exit), judged only with --rtt.
public enum PeerClaims {
    public static let id = "tcp-connect-waits-rtt"
    public static let title = "Across a link with a round-trip time, TCP's connect(2) lasts at least one round trip; UDP's returns in a small fraction of one"
    /// UDP's median connect must stay under this share of the round trip (2 ms of 20 ms). The median, not
    /// the slowest: under emulation with a thousand probes one UDP connect in ten can take a few ms
    /// (measured 7 ms on 6.12 in qemu TCG), while TCP's floor is the round trip itself.
    public static let udpShare = 0.1

    /// tcp with udp, else tcp6 with udp6; nothing without such a pair.
    public static func judge(calls: [Proto: [SyscallRecord]], rttNs: UInt64) -> [Claim] {
        let pair: (Proto, Proto)? = calls[.tcp] != nil && calls[.udp] != nil ? (.tcp, .udp)
            : calls[.tcp6] != nil && calls[.udp6] != nil ? (.tcp6, .udp6) : nil
        guard let (t, u) = pair else { return [] }
        let (status, evidence) = judge(tcp: durations(calls[t]!), udp: durations(calls[u]!), rttNs: rttNs, names: (t.rawValue, u.rawValue))
        return [Claim(id: id, title: title, status: status, evidence: evidence)]
    }

    /// Each successful connect's time in the kernel, enter to exit.
    static func durations(_ records: [SyscallRecord]) -> [UInt64] {
        records.filter { $0.name == "connect" && $0.ret == 0 && $0.exitNs >= $0.enterNs && $0.enterNs > 0 }.map { $0.exitNs - $0.enterNs }
    }

    static func judge(tcp: [UInt64], udp: [UInt64], rttNs: UInt64, names: (String, String)) -> (ClaimStatus, String) {
        let rtt = "round trip \(ms(rttNs))"
        guard let tcpMin = tcp.min(), let tcpMax = tcp.max() else { return (.unknown, "no successful \(names.0) connect(2) was recorded (\(rtt))") }
        guard let udpMin = udp.min(), let udpMax = udp.max() else { return (.unknown, "no successful \(names.1) connect(2) was recorded (\(rtt))") }
        let limit = UInt64(Double(rttNs) * udpShare)
        let udpMedian = udp.sorted()[udp.count / 2]
        let text = "\(rtt): \(names.0) connect \(ms(tcpMin))-\(ms(tcpMax)) (\(tcp.count) calls), \(names.1) connect median \(ms(udpMedian)), \(ms(udpMin))-\(ms(udpMax)) (\(udp.count) calls)"
        if tcpMin < rttNs { return (.notHeld, text + "; a \(names.0) connect returned before one round trip") }
        if udpMedian >= limit { return (.notHeld, text + "; \(names.1)'s median connect took \(Int(udpShare * 100))% of the round trip (\(ms(limit))) or more") }
        return (.held, text + "; every \(names.0) connect waited for the SYN-ACK, \(names.1)'s connect returned in under \(ms(limit)) (median)")
    }

    static func ms(_ ns: UInt64) -> String {
        let v = Double(ns) / 1e6
        return v >= 10 ? cFormat("%.1f ms", v) : v >= 0.1 ? cFormat("%.2f ms", v) : cFormat("%.3f ms", v)
    }
}
