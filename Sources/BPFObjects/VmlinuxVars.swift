import FoundationEssentials

/// Names of the variables (BTF_KIND_VAR) in the kernel's BTF. A typed ksym
/// (`extern int __preempt_count __ksym`) resolves only when its variable is
/// there: pahole before 1.18 (Debian 11's 5.10) leaves per-CPU variables out
/// even when /proc/kallsyms lists them.
enum VmlinuxVars {
    static func contains(anyOf names: Set<String>, path: String = "/sys/kernel/btf/vmlinux") -> Bool {
        guard let d = FileManager.default.contents(atPath: path) else { return false }
        return d.withUnsafeBytes { varNames(in: $0, matching: names) }
    }

    /// Walks the type section (include/uapi/linux/btf.h) and looks up each VAR's name.
    static func varNames(in b: UnsafeRawBufferPointer, matching names: Set<String>) -> Bool {
        func u32(_ o: Int) -> Int { o + 4 <= b.count ? Int(b.loadUnaligned(fromByteOffset: o, as: UInt32.self)) : 0 }
        guard b.count >= 24, b.loadUnaligned(as: UInt16.self) == 0xeB9F else { return false }
        let hdr = u32(4), typeOff = hdr + u32(8), typeEnd = typeOff + u32(12), strOff = hdr + u32(16)
        var o = typeOff
        while o + 12 <= min(typeEnd, b.count) {
            let info = u32(o + 4), kind = (info >> 24) & 0x1f, vlen = info & 0xffff
            if kind == 14, let name = string(b, at: strOff + u32(o)), names.contains(name) { return true }
            // bytes that follow the 12-byte header, per kind
            let extra: Int
            switch kind {
            case 1, 14, 17: extra = 4                 // INT, VAR, DECL_TAG
            case 3: extra = 12                         // ARRAY
            case 4, 5, 15, 19: extra = 12 * vlen       // STRUCT, UNION, DATASEC, ENUM64
            case 6, 13: extra = 8 * vlen               // ENUM, FUNC_PROTO
            default: extra = 0
            }
            o += 12 + extra
        }
        return false
    }

    private static func string(_ b: UnsafeRawBufferPointer, at o: Int) -> String? {
        guard o < b.count else { return nil }
        var e = o
        while e < b.count && b[e] != 0 { e += 1 }
        return String(decoding: UnsafeRawBufferPointer(rebasing: b[o..<e]), as: UTF8.self)
    }
}
