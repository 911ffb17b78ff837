import Glibc
import Libbpf

/// kprobe.multi: one link for many functions, a cookie (the index) each.
extension FunctionProbes {
    /// A refused batch is bisected so a few bad functions (notrace, ENOMEM on
    /// 6.7-6.11) cost only themselves.
    func attachMulti(_ program: BPFProgram, _ returns: BPFProgram?, _ idx: [Int], _ report: inout AttachReport) throws {
        if Interrupt.requested { throw Cancelled() }
        guard !idx.isEmpty else { return }
        do {
            let names = idx.map { functions[$0] }, cookies = idx.map { UInt64($0) }
            try keepPair(returns.map { r in { try r.attachKprobeMulti(names, cookies: cookies, retprobe: true) } }) {
                try program.attachKprobeMulti(names, cookies: cookies)
            }
            report.attached += idx
        } catch let e as BPFError {
            if idx.count == 1 {
                report.skipped.append(SkippedFunction(function: functions[idx[0]], reason: e.errnoText))
                return
            }
            let mid = idx.count / 2
            try attachMulti(program, returns, Array(idx[..<mid]), &report)
            try attachMulti(program, returns, Array(idx[mid...]), &report)
        }
    }

    /// Why this kernel refuses kprobe.multi (nil: it accepts it), tried once
    /// without loading an object or attaching (Libbpf's KprobeMultiProbe).
    static let kprobeMultiRefusal: String? = KprobeMultiProbe.refusal().map {
        "kprobe.multi refused (\(String(cString: strerror($0)))); needs Linux 5.18+ with CONFIG_FPROBE"
    }
}
