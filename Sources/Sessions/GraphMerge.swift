/// Many calls of one syscall as one tree: identical paths (the same function
/// under the same parents, in the same context) merged, each node with how
/// often it ran per syscall and the median and p90 of its time.
public struct MergedNode: Codable, Sendable, Equatable {
    public var function: String
    public var irq: Bool
    /// Calls over all merged syscalls.
    public var calls: Int
    /// calls / syscalls merged (1.00: once per syscall; 0.95: in 95 of 100; 2.00: twice each).
    public var perSyscall: Double
    /// Over the calls that returned.
    public var medianNs: UInt64?
    public var p90Ns: UInt64?
    /// Calls whose return was not seen.
    public var unreturned: Int
    /// The error returns, by value (e.g. -111: 100).
    public var errors: [String: Int]
    public var children: [MergedNode]

    /// This node's calls and every call below it.
    public var totalCalls: Int { calls + children.reduce(0) { $0 + $1.totalCalls } }
}

public struct MergedSyscall: Codable, Sendable, Equatable {
    public var name: String
    public var nr: Int
    /// How many syscalls were merged.
    public var count: Int
    public var medianNs: UInt64?
    public var p90Ns: UInt64?
    /// Return values by how often they came ("0": 100, "-111": 3).
    public var returns: [String: Int]
    public var lost: Int
    public var calls: [MergedNode]
    /// Where errors came from: each distinct origin chain with how many syscalls had it.
    public var errorOrigins: [MergedErrorOrigin]
}

public struct MergedErrorOrigin: Codable, Sendable, Equatable {
    public var origin: ErrorOrigin
    public var count: Int
}

public enum GraphMerge {
    /// Merges the trees per syscall, in order of first appearance.
    public static func merge(_ trees: [SyscallTree]) -> [MergedSyscall] {
        var order: [Int] = []
        var groups: [Int: [SyscallTree]] = [:]
        for t in trees {
            if groups[t.nr] == nil { order.append(t.nr) }
            groups[t.nr, default: []].append(t)
        }
        return order.map { nr in
            let g = groups[nr]!
            var returns: [String: Int] = [:]
            for t in g { if let r = t.ret { returns[String(r), default: 0] += 1 } }
            var origins: [MergedErrorOrigin] = []
            for o in g.compactMap(\.errorOrigin) {
                if let i = origins.firstIndex(where: { $0.origin.chain == o.chain && $0.origin.error == o.error }) {
                    origins[i].count += 1
                } else {
                    origins.append(MergedErrorOrigin(origin: o, count: 1))
                }
            }
            let times = g.compactMap(\.durationNs)
            return MergedSyscall(name: g[0].name, nr: nr, count: g.count,
                                 medianNs: percentile(times, 50), p90Ns: percentile(times, 90),
                                 returns: returns, lost: g.reduce(0) { $0 + $1.lost },
                                 calls: mergeLevel(g.map(\.calls), syscalls: g.count), errorOrigins: origins)
        }
    }

    /// One level: the nodes of every syscall at the same path, grouped by (function, irq).
    static func mergeLevel(_ levels: [[CallNode]], syscalls: Int) -> [MergedNode] {
        struct Key: Hashable { var function: String; var irq: Bool }
        var order: [Key] = []
        var nodes: [Key: [CallNode]] = [:]
        for level in levels {
            for n in level {
                let k = Key(function: n.function, irq: n.irq)
                if nodes[k] == nil { order.append(k) }
                nodes[k, default: []].append(n)
            }
        }
        return order.map { k in
            let ns = nodes[k]!
            let times = ns.compactMap(\.durationNs)
            var errors: [String: Int] = [:]
            for n in ns { if let r = n.ret, r < 0, r >= -4095 { errors[String(r), default: 0] += 1 } }
            return MergedNode(function: k.function, irq: k.irq, calls: ns.count,
                              perSyscall: Double(ns.count) / Double(max(1, syscalls)),
                              medianNs: percentile(times, 50), p90Ns: percentile(times, 90),
                              unreturned: ns.count - times.count, errors: errors,
                              children: mergeLevel(ns.map(\.children), syscalls: syscalls))
        }
    }

    /// Nearest-rank percentile; nil for no values.
    public static func percentile(_ values: [UInt64], _ p: Int) -> UInt64? {
        guard !values.isEmpty else { return nil }
        let s = values.sorted()
        let rank = (p * s.count + 99) / 100
        return s[max(0, min(s.count - 1, rank - 1))]
    }
}
