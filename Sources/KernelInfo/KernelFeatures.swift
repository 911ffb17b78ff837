import Glibc

/// What this kernel offers to a tracer, read from files (no BPF needed).
/// Facts that need a BPF load to tell (kprobe.multi, fentry) live in Probes.
public struct KernelFeatures: Codable, Sendable {
    public var release: String
    public var btf: Bool
    /// The perf kprobe PMU (CONFIG_KPROBES) is present.
    public var kprobes: Bool
    /// tracefs's kprobe_events exists (legacy interface).
    public var kprobeEvents: Bool
    public var tracefs: String?
    /// available_filter_functions is readable (function tracing allowed).
    public var filterFunctionsReadable: Bool
    /// none, integrity or confidentiality; nil when securityfs has no lockdown file.
    public var lockdown: String?
    public var root: Bool
    public var capBPF: Bool
    public var capPerfmon: Bool
    public var capSysAdmin: Bool

    public static func detect() -> KernelFeatures {
        var uts = utsname()
        uname(&uts)
        let release = withUnsafeBytes(of: uts.release) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        let tracefs = Tracefs.path()
        let caps = effectiveCapabilities()
        return KernelFeatures(
            release: release,
            btf: access("/sys/kernel/btf/vmlinux", R_OK) == 0,
            kprobes: access("/sys/bus/event_source/devices/kprobe/type", F_OK) == 0,
            kprobeEvents: tracefs.map { access($0 + "/kprobe_events", F_OK) == 0 } ?? false,
            tracefs: tracefs,
            filterFunctionsReadable: tracefs.map { canRead($0 + "/available_filter_functions") } ?? false,
            lockdown: lockdownMode(),
            root: geteuid() == 0,
            capBPF: caps & (1 << 39) != 0,
            capPerfmon: caps & (1 << 38) != 0,
            capSysAdmin: caps & (1 << 21) != 0)
    }

    /// This kernel's release is `major.minor` or newer ("6.12.118+deb13-amd64" >= 6.9).
    public static func releaseAtLeast(_ major: Int, _ minor: Int, release: String? = nil) -> Bool {
        let r = release ?? {
            var u = utsname()
            uname(&u)
            return withUnsafeBytes(of: &u.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }()
        let v = r.split(separator: ".").prefix(2).map { Int($0.prefix { $0.isNumber }) ?? 0 }
        return v.count == 2 && (v[0], v[1]) >= (major, minor)
    }

    /// Enough privilege to load tracing programs.
    public var privileged: Bool { root || capSysAdmin || (capBPF && capPerfmon) }

    /// Why kprobes cannot be used here, or nil when they can.
    public var kprobesUnavailableReason: String? {
        if kprobes && lockdown != "integrity" && lockdown != "confidentiality" { return nil }
        var why: [String] = []
        if !kprobes { why.append("kprobes are not built into this kernel (no kprobe PMU under /sys/bus/event_source/devices; CONFIG_KPROBES is off)") }
        if let l = lockdown, l != "none" { why.append("kernel lockdown (\(l)) refuses kprobes and function tracing") }
        return why.joined(separator: "; ")
    }

    static func canRead(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var b = [UInt8](repeating: 0, count: 64)
        return read(fd, &b, b.count) > 0
    }

    /// `none [integrity] confidentiality` -> "integrity".
    public static func parseLockdown(_ s: String) -> String? {
        guard let open = s.firstIndex(of: "["), let close = s.firstIndex(of: "]"), open < close else { return nil }
        return String(s[s.index(after: open)..<close])
    }

    static func lockdownMode() -> String? {
        let path = "/sys/kernel/security/lockdown"
        if access(path, F_OK) != 0 { _ = mount("none", "/sys/kernel/security", "securityfs", 0, nil) }
        return readFileString(path).flatMap(parseLockdown)
    }

    static func effectiveCapabilities() -> UInt64 {
        guard let s = readFileString("/proc/self/status") else { return 0 }
        for line in s.split(separator: "\n") where line.hasPrefix("CapEff:") {
            let hex = line.dropFirst("CapEff:".count).trimmed()
            return UInt64(hex, radix: 16) ?? 0
        }
        return 0
    }
}
