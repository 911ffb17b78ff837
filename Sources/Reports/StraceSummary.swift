import KernelInfo
import Sessions

/// strace -c's table:
///
///     % time     seconds  usecs/call     calls    errors syscall
///     ------ ----------- ----------- --------- --------- ----------------
///      61.09    0.003577         894         4         2 wait4
///     ------ ----------- ----------- --------- --------- ----------------
///     100.00    0.005856          16       346        59 total
public enum StraceSummary {
    public static func table(_ s: SyscallSummary) -> String {
        let rows = s.sorted
        let nameWidth = max(16, rows.map(\.name.count).max() ?? 0)
        let rule = "------ ----------- ----------- --------- --------- " + String(repeating: "-", count: nameWidth)
        let total = s.totalNs
        var out = "% time     seconds  usecs/call     calls    errors syscall\n" + rule + "\n"
        for r in rows {
            let pct = total > 0 ? 100 * Double(r.ns) / Double(total) : 0
            out += line(pct, r.ns, r.calls, r.errors, r.name)
        }
        out += rule + "\n"
        out += line(total > 0 ? 100 : 0, total, s.totalCalls, s.totalErrors, "total")
        return out
    }

    static func line(_ pct: Double, _ ns: UInt64, _ calls: Int, _ errors: Int, _ name: String) -> String {
        let perCall = calls > 0 ? ns / 1000 / UInt64(calls) : 0
        let errs = errors > 0 ? String(errors) : ""
        let pad = String(repeating: " ", count: max(0, 9 - errs.count))
        return cFormat("%6.2f %11.6f %11llu %9d ", pct, Double(ns) / 1e9, perCall, calls) + pad + errs + " " + name + "\n"
    }
}
