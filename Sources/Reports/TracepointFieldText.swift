import KernelInfo

/// A tracepoint hit's fields as `name=value` pairs (kpath trace t:cat:event):
/// names from __print_symbolic where the format gives them, strings as
/// strings, 4- and 16-byte address arrays as IPv4/IPv6, pointers in hex.
public enum TracepointFieldText {
    public static func line(_ fields: [TracepointFieldValue]) -> String {
        fields.map { $0.name + "=" + value($0) }.joined(separator: " ")
    }

    public static func value(_ f: TracepointFieldValue) -> String {
        switch f.value {
        case .signed(let v): return String(v)
        case .unsigned(let v): return String(v)
        case .symbol(let s, _): return s
        case .pointer(let p): return "0x" + String(p, radix: 16)
        case .string(let s): return quoted(s)
        case .unavailable: return "?"
        case .bytes(let b):
            let isAddress = f.name.contains("addr")
            if isAddress && b.count == 4 { return b.map { String($0) }.joined(separator: ".") }
            if isAddress && b.count == 16 { return ipv6(b) }
            return b.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        }
    }

    /// RFC 5952 form: groups in hex, the longest run of zero groups as `::`.
    static func ipv6(_ b: [UInt8]) -> String {
        let g = (0..<8).map { UInt16(b[2 * $0]) << 8 | UInt16(b[2 * $0 + 1]) }
        var best = (start: -1, len: 0), i = 0
        while i < 8 {
            if g[i] == 0 {
                var j = i
                while j < 8 && g[j] == 0 { j += 1 }
                if j - i > best.len && j - i > 1 { best = (i, j - i) }
                i = j
            } else { i += 1 }
        }
        let hex = g.map { String($0, radix: 16) }
        if best.start < 0 { return hex.joined(separator: ":") }
        return hex[..<best.start].joined(separator: ":") + "::" + hex[(best.start + best.len)...].joined(separator: ":")
    }
}
