/// strace -c: per syscall, how many calls, how many failed, and the time
/// spent in them (kpath measures entry to exit, which is strace -c -w's
/// wall-clock latency, not strace -c's default system CPU time).
public struct SyscallSummary: Codable, Sendable, Equatable {
    public struct Row: Codable, Sendable, Equatable {
        public var name: String
        public var calls = 0
        public var errors = 0
        public var ns: UInt64 = 0
        public init(name: String) { self.name = name }
    }

    public private(set) var rows: [String: Row] = [:]

    public init() {}

    public mutating func add(_ r: SyscallRecord) {
        if r.isSignal || r.isEntry { return } // strace -c counts finished syscalls only
        var row = rows[r.name] ?? Row(name: r.name)
        row.calls += 1
        if r.failed { row.errors += 1 }
        row.ns += r.durationNs
        rows[r.name] = row
    }

    public mutating func add(_ records: [SyscallRecord]) { records.forEach { add($0) } }

    /// strace's order: most time first, then most calls, then by name.
    public var sorted: [Row] {
        rows.values.sorted { ($0.ns, $0.calls, $1.name) > ($1.ns, $1.calls, $0.name) }
    }

    public var totalNs: UInt64 { rows.values.reduce(0) { $0 + $1.ns } }
    public var totalCalls: Int { rows.values.reduce(0) { $0 + $1.calls } }
    public var totalErrors: Int { rows.values.reduce(0) { $0 + $1.errors } }
}
