import KernelInfo
import Sessions

/// What `compare --run` adds to the compare report: the commands' syscalls
/// per run side by side (from the syscall tracepoints, so in either mode),
/// and which syscalls only one command made.
enum CommandRunReport {
    static func syscalls(_ r: CompareResult) -> String {
        guard r.isCommandRun else { return "" }
        let counts = r.runs.map { run in run.syscallNames.reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 } }
        // Busiest first (summed over the commands), then by name.
        let total: (String) -> Int = { n in counts.reduce(0) { $0 + ($1[n] ?? 0) } }
        let sorted = Set(counts.flatMap(\.keys)).sorted { (total($0), $1) > (total($1), $0) }
        var o = "\n== Syscalls per run (all runs' calls / \(r.dials)) ==\n"
        var rows = [["SYSCALL"] + r.runs.map(\.title)]
        for n in sorted {
            rows.append([n] + counts.map { CompareReport.f2(Double($0[n] ?? 0) / Double(max(r.dials, 1))) })
        }
        o += columns(rows)
        for (i, run) in r.runs.enumerated() {
            let only = sorted.filter { n in counts[i][n] != nil && counts.enumerated().allSatisfy { $0.offset == i || $0.element[n] == nil } }
            o += "  \(pad("only \(run.title) (\(only.count))", 15)) \(only.joined(separator: ", "))\n"
        }
        return o
    }
}
