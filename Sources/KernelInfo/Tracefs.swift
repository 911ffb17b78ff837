import Glibc

/// Where tracefs and debugfs live, mounting them when absent (as root), as
/// bcc and bpftrace expect them to be.
public enum Tracefs {
    public static let candidates = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"]

    /// The tracefs mount point, mounting /sys/kernel/tracing if nothing is mounted.
    public static func path() -> String? {
        for c in candidates where access(c + "/events", F_OK) == 0 { return c }
        if mount("nodev", "/sys/kernel/tracing", "tracefs", 0, nil) == 0,
           access("/sys/kernel/tracing/events", F_OK) == 0 {
            return "/sys/kernel/tracing"
        }
        return nil
    }

    /// debugfs (for kprobes/blacklist), mounted if needed.
    public static func debugfs() -> String? {
        if access("/sys/kernel/debug/kprobes", F_OK) == 0 { return "/sys/kernel/debug" }
        _ = mount("nodev", "/sys/kernel/debug", "debugfs", 0, nil)
        return access("/sys/kernel/debug", F_OK) == 0 ? "/sys/kernel/debug" : nil
    }

    /// Whether `category:event` exists as a tracepoint.
    public static func tracepointExists(category: String, event: String) -> Bool {
        guard let t = path() else { return false }
        return access("\(t)/events/\(category)/\(event)/id", F_OK) == 0
    }

    /// Every tracepoint as "category:event".
    public static func tracepoints() -> [String] {
        guard let t = path(), let cats = try? listDirectory(t + "/events") else { return [] }
        var out: [String] = []
        for c in cats {
            guard let evs = try? listDirectory("\(t)/events/\(c)") else { continue }
            for e in evs where access("\(t)/events/\(c)/\(e)/id", F_OK) == 0 { out.append("\(c):\(e)") }
        }
        return out.sorted()
    }
}

func listDirectory(_ path: String) throws -> [String] {
    guard let d = opendir(path) else { throw FileError(path: path, errno: errno) }
    defer { closedir(d) }
    var out: [String] = []
    while let e = readdir(d) {
        let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
            String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
        }
        if name != "." && name != ".." { out.append(name) }
    }
    return out
}
