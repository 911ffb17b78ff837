import Glibc
import Synchronization

/// tracefs's available_filter_functions_addrs (6.5+): every traceable function
/// with the address ftrace patches, its `__fentry__` call (the function's
/// start, or 4 bytes past an ENDBR64 on IBT builds).
///
/// Why kpath reads it: a kprobe.multi program tells functions apart fastest
/// by `bpf_get_func_ip` through an address hash (scripts/bench-hit: the
/// cookie's binary search was ~3/4 of a hit), and user space must know each
/// function's address for that. From 6.9 the link itself reports them; on
/// 6.5-6.8 (Ubuntu 24.04's 6.8) this file does, read instead of
/// available_filter_functions while the patterns are matched, so the
/// addresses cost no extra read. Older kernels keep the cookie.
public enum FilterFunctionAddresses {
    public static let file = "available_filter_functions_addrs"

    /// Addresses are wanted where kprobe.multi links cannot report them (before
    /// 6.9), or when KPATH_FILTER_ADDRS=1 asks for this path on a newer kernel
    /// (the VM checks run it there).
    public static let wanted: Bool = forced || !KernelFeatures.releaseAtLeast(6, 9)

    /// KPATH_FILTER_ADDRS=1: take addresses from this file even on 6.9+.
    public static let forced: Bool = getenv("KPATH_FILTER_ADDRS").map { String(cString: $0) == "1" } ?? false

    private static let known = Mutex<[String: [UInt64]]>([:])

    /// Files what a read of the file found (the matched names only).
    static func record(_ found: [String: [UInt64]]) {
        known.withLock { k in for (name, a) in found { k[name, default: []] += a.filter { !k[name, default: []].contains($0) } } }
    }

    /// Every address of each of `functions` (static functions may share a
    /// name), or nil when the file was not read or one is missing.
    public static func addresses(of functions: [String]) -> [[UInt64]]? {
        known.withLock { k in
            var out: [[UInt64]] = []
            for f in functions {
                guard let a = k[f], !a.isEmpty else { return nil }
                out.append(a)
            }
            return out
        }
    }

    /// `ffffffff81234560 name [module]`: the address, then the name's bytes.
    static func parseLine(_ line: ArraySlice<UInt8>) -> (address: UInt64, name: ArraySlice<UInt8>)? {
        var i = line.startIndex
        var address: UInt64 = 0
        var digits = 0
        while i < line.endIndex, let d = hexValue(line[i]) {
            guard digits < 16 else { return nil }
            address = address << 4 | UInt64(d)
            digits += 1
            i += 1
        }
        guard digits > 0, i < line.endIndex, line[i] == 32 || line[i] == 9 else { return nil }
        while i < line.endIndex, line[i] == 32 || line[i] == 9 { i += 1 }
        var end = i
        while end < line.endIndex, line[end] != 32, line[end] != 9 { end += 1 }
        return end > i ? (address, line[i..<end]) : nil
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: return nil
        }
    }
}
