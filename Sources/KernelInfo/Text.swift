import Glibc

/// User input quoted for a one-line error message: `"tcp_*"`, with control
/// characters escaped (`"a\nb"`) so the message stays one line on stderr.
public func quoted(_ s: String) -> String {
    "\"" + replacingScalars(s) { u in
        switch u {
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        case "\"": return "\\\""
        case "\\": return "\\\\"
        case _ where u.value < 0x20 || u.value == 0x7f || (0x80..<0xa0).contains(u.value) || u == "\u{2028}" || u == "\u{2029}":
            return "\\u{\(String(u.value, radix: 16))}"
        default: return nil
        }
    } + "\""
}

/// `s` with every scalar that `replacement` maps replaced by its text (nil: kept).
public func replacingScalars(_ s: String, _ replacement: (Unicode.Scalar) -> String?) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for u in s.unicodeScalars {
        if let r = replacement(u) { out += r } else { out.unicodeScalars.append(u) }
    }
    return out
}

/// printf-style formatting without Foundation's `String(format:)`, which lives
/// in full Foundation (and so drags ICU's 39 MB into a static binary).
/// Numbers and C strings only: `%@` has no meaning here.
public func cFormat(_ format: String, _ args: CVarArg...) -> String {
    withVaList(args) { va in
        var buf = [CChar](repeating: 0, count: 128)
        let n = Int(vsnprintf(&buf, buf.count, format, va))
        if n < buf.count { return String(cString: buf) }
        buf = [CChar](repeating: 0, count: n + 1)
        return withVaList(args) { va2 in
            _ = vsnprintf(&buf, buf.count, format, va2)
            return String(cString: buf)
        }
    }
}

extension StringProtocol {
    /// Without leading and trailing blanks (spaces, tabs, newlines): Foundation's
    /// `trimmingCharacters(in: .whitespacesAndNewlines)`, which FoundationEssentials lacks.
    public func trimmed() -> String {
        var s = self[...]
        while let c = s.first, c.isWhitespace { s = s.dropFirst() }
        while let c = s.last, c.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
