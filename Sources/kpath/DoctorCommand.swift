import ArgumentParser
import FoundationEssentials
import Glibc
import KernelInfo
import Probes
import Reports

/// `kpath doctor`: what this kernel lets kpath do, and what to change when it is not enough.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check what this kernel lets kpath trace, and how to fix what is missing.",
        discussion: """
        Exit status: 0 kpath can run fully, 2 degraded (tracepoint mode: no kernel
        function probes), 3 cannot run (not privileged, or no tracefs/tracepoints).

        Examples:
          sudo kpath doctor
          sudo kpath doctor --json
          sudo kpath doctor --backends      # function backends, fastest first
        """)

    @Flag(help: "Print the facts as one JSON object.")
    var json = false

    @Flag(help: "Print the available function backends, one per line, fastest first.")
    var backends = false

    func validate() throws {
        if json && backends { throw ValidationError("use either --json or --backends, not both") }
    }

    func run() throws {
        try reportingErrors {
            let features = KernelFeatures.detect()
            if backends {
                guard features.privileged else {
                    eprint("kpath: error: trying the backends loads BPF programs: run it with sudo")
                    throw ExitCode(3)
                }
                let s = BackendSupport.detect(features: features, loadPrograms: true)
                let list = Backend.functionBackendsFastestFirst.filter { s.supports($0) }
                out(list.map { $0.rawValue + "\n" }.joined())
                // The same exit status as plain doctor: 2 when no function backend is here.
                let report = DoctorReport.make(features: features)
                if report.exitCode != 0 {
                    eprint("kpath: \(report.mode): \(report.modeReason)")
                    throw ExitCode(report.exitCode)
                }
                return
            }
            let report = DoctorReport.make(features: features)
            if json {
                out(try JSONReport.document(report))
            } else {
                out(report.text())
            }
            if report.exitCode != 0 { throw ExitCode(report.exitCode) }
        }
    }
}

/// Everything `kpath doctor` found, as printed by --json.
struct DoctorReport: Codable {
    var kernel: String
    var btf: Bool
    var kprobes: Bool
    var kprobeEvents: Bool
    var tracefs: String?
    var filterFunctionsReadable: Bool
    var lockdown: String?
    var root: Bool
    var capBPF: Bool
    var capPerfmon: Bool
    var capSysAdmin: Bool
    var privileged: Bool
    /// "category:event" -> present; the tracepoints kpath attaches to.
    var tracepoints: [String: Bool]
    /// Backend -> accepted when tried; null when it could not be tried (needs root).
    var backends: [String: Bool?]
    /// Why each missing backend is missing.
    var backendReasons: [String: String]
    /// How kprobe and tracepoint hits are told apart: "cookie" (5.15+) or
    /// "address" (no attach cookies); null when unknown (needs root).
    var hitKey: HitKey?
    /// The backend funccount/compare use by default; null when unknown (needs root).
    var backend: String?
    var backendReason: String
    /// "full", "degraded" (tracepoints only) or "cannot-run".
    var mode: String
    var modeReason: String
    var exitCode: Int32
    var advice: [String]

    /// The tracepoints kpath needs (syscalls, packets, stacks in tracepoint mode).
    static let neededTracepoints: [(String, String)] = [
        ("raw_syscalls", "sys_enter"), ("raw_syscalls", "sys_exit"), ("net", "net_dev_queue"),
        ("skb", "skb_copy_datagram_iovec"),
    ]

    static func make(features f: KernelFeatures,
                     tracepointExists: (String, String) -> Bool = Tracefs.tracepointExists) -> DoctorReport {
        var tps: [String: Bool] = [:]
        for (c, e) in neededTracepoints { tps["\(c):\(e)"] = f.tracefs != nil && tracepointExists(c, e) }
        let missingTps = neededTracepoints.map { "\($0.0):\($0.1)" }.filter { tps[$0] != true }

        var backends: [String: Bool?] = [:]
        var reasons: [String: String] = [:]
        var backend: String?
        var backendReason: String
        if f.privileged {
            let s = BackendSupport.detect(features: f, loadPrograms: true)
            for b in Backend.functionBackendsFastestFirst { backends[b.rawValue] = s.supports(b) }
            for (k, v) in s.reasons { reasons[k] = v }
            if let best = s.best {
                backend = best.rawValue
                switch best {
                case .kprobeMulti: backendReason = "fastest available: one kprobe.multi link for all functions"
                case .kprobe: backendReason = "kprobe.multi is refused; one kprobe per function"
                case .fentry: backendReason = "kprobes are refused; one fentry trampoline per function"
                case .tracepoint: backendReason = ""
                }
            } else {
                backend = Backend.tracepoint.rawValue
                backendReason = "no function backend: " + (f.kprobesUnavailableReason
                    ?? reasons.keys.sorted().compactMap { reasons[$0] }.joined(separator: "; "))
            }
        } else {
            for b in Backend.functionBackendsFastestFirst { backends[b.rawValue] = Bool?.none }
            backend = nil
            backendReason = "unknown: trying the backends loads BPF programs, which needs root"
        }

        var mode: String, modeReason: String, code: Int32
        if !f.privileged {
            (mode, modeReason, code) = ("cannot-run", "not privileged", 3)
        } else if f.tracefs == nil {
            (mode, modeReason, code) = ("cannot-run", "no tracefs", 3)
        } else if tps["raw_syscalls:sys_enter"] != true || tps["raw_syscalls:sys_exit"] != true {
            (mode, modeReason, code) = ("cannot-run", "no raw_syscalls tracepoints", 3)
        } else if backend == Backend.tracepoint.rawValue {
            (mode, modeReason, code) = ("degraded", "tracepoints only: kernel functions cannot be probed", 2)
        } else if !missingTps.isEmpty {
            (mode, modeReason, code) = ("degraded", "tracepoints missing: " + missingTps.joined(separator: ", "), 2)
        } else {
            (mode, modeReason, code) = ("full", "every backend kpath needs is here", 0)
        }

        var advice: [String] = []
        if !f.privileged {
            advice.append("not root: run with sudo (or give kpath CAP_BPF and CAP_PERFMON)")
        }
        if f.tracefs == nil {
            advice.append(f.privileged
                ? "tracefs: boot a kernel with CONFIG_FTRACE=y and mount it: mount -t tracefs nodev /sys/kernel/tracing"
                : "tracefs: not readable without root; run with sudo")
        } else if !missingTps.isEmpty {
            for t in missingTps {
                advice.append("tracepoint \(t) missing: kpath's \(t.hasPrefix("raw_syscalls") ? "syscall records" : "packet and softirq stacks") need it; boot a kernel with CONFIG_FTRACE_SYSCALLS/CONFIG_NET tracepoints\(Checkout.vmtestHint)")
            }
        }
        if !f.kprobes {
            advice.append("kprobes: boot a kernel with CONFIG_KPROBES=y\(Checkout.vmtestHint)")
        }
        if let l = f.lockdown, l == "integrity" || l == "confidentiality" {
            advice.append("lockdown \(l): function tracing is refused; kpath compare runs in tracepoint mode (boot with lockdown=none and Secure Boot off to lift it\(Checkout.vmtestHint))")
        }
        if f.privileged, f.kprobesUnavailableReason == nil, backends[Backend.kprobeMulti.rawValue] == .some(false) {
            advice.append("kprobe.multi: needs Linux 5.18+ with CONFIG_FPROBE=y; kpath uses one kprobe per function meanwhile (slower to attach many)")
        }
        if !f.btf {
            advice.append("BTF: fentry needs a kernel with CONFIG_DEBUG_INFO_BTF=y (/sys/kernel/btf/vmlinux)")
        }
        if f.tracefs != nil && !f.filterFunctionsReadable && f.privileged && (f.lockdown ?? "none") == "none" {
            advice.append("available_filter_functions: not readable; boot a kernel with CONFIG_DYNAMIC_FTRACE=y to list traceable functions")
        }

        return DoctorReport(kernel: f.release, btf: f.btf, kprobes: f.kprobes, kprobeEvents: f.kprobeEvents,
                            tracefs: f.tracefs, filterFunctionsReadable: f.filterFunctionsReadable,
                            lockdown: f.lockdown, root: f.root, capBPF: f.capBPF, capPerfmon: f.capPerfmon,
                            capSysAdmin: f.capSysAdmin, privileged: f.privileged, tracepoints: tps,
                            backends: backends, backendReasons: reasons,
                            hitKey: f.privileged ? HitKey.current : nil, backend: backend,
                            backendReason: backendReason, mode: mode, modeReason: modeReason,
                            exitCode: code, advice: advice)
    }

    /// One fact a line, values aligned, then the advice.
    func text() -> String {
        func yn(_ b: Bool) -> String { b ? "yes" : "no" }
        func tried(_ b: Backend) -> String {
            switch backends[b.rawValue] {
            case .some(.some(true)): return "yes"
            case .some(.some(false)):
                if b == .kprobeMulti && backends[Backend.kprobe.rawValue] == .some(false) { return "no (not tried: kprobes are unavailable)" }
                return "no" + (backendReasons[b.rawValue].map { " (\($0))" } ?? "")
            default: return "unknown (needs root)"
            }
        }
        var privs: [String] = []
        if root { privs.append("root") }
        if capBPF { privs.append("CAP_BPF") }
        if capPerfmon { privs.append("CAP_PERFMON") }
        if capSysAdmin { privs.append("CAP_SYS_ADMIN") }
        var rows: [(String, String)] = [
            ("kernel", kernel),
            ("BTF (/sys/kernel/btf/vmlinux)", yn(btf)),
            ("kprobes (PMU)", kprobes ? "yes" : "no (CONFIG_KPROBES is off: no kprobe PMU under /sys/bus/event_source/devices)"),
            ("kprobe.multi (tried)", tried(.kprobeMulti)),
            ("fentry (tried)", tried(.fentry)),
            ("tracefs", tracefs ?? (privileged ? "no (not mounted, and mounting failed)" : "not found (needs root to mount or read)")),
            ("available_filter_functions", filterFunctionsReadable ? "readable"
                : tracefs == nil ? "unknown (no tracefs)" : "not readable"),
            ("lockdown", lockdown ?? "unknown (no /sys/kernel/security/lockdown)"),
            ("privileges", (privs.isEmpty ? "none" : privs.joined(separator: ", ")) + (privileged ? "" : " (not privileged)")),
        ]
        for (c, e) in Self.neededTracepoints {
            let t = "\(c):\(e)"
            rows.append(("tracepoint \(t)", tracepoints[t] == true ? "yes" : (tracefs == nil ? "unknown (no tracefs)" : "no")))
        }
        let keyText: String
        switch hitKey {
        case .cookie?: keyText = "yes"
        case .address?: keyText = "no (before 5.15: kpath tells functions apart by probed address)"
        case nil: keyText = "unknown (needs root)"
        }
        rows.append(("attach cookies", keyText))
        rows.append(("backend", backend.map { "\($0) (\(backendReason))" } ?? "unknown (needs root)"))
        let modeText: String
        switch mode {
        case "full": modeText = "full"
        case "degraded": modeText = "degraded (\(modeReason))"
        default: modeText = "cannot run (\(modeReason))"
        }
        rows.append(("mode", modeText))
        let width = rows.map(\.0.count).max()! + 2
        var s = rows.map { pad($0.0 + ":", width) + $0.1 + "\n" }.joined()
        if !advice.isEmpty {
            s += "\nwhat you can do:\n"
            s += advice.map { "  " + $0 + "\n" }.joined()
        }
        return s
    }
}
