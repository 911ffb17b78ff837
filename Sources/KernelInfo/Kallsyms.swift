/// One symbol from /proc/kallsyms.
public struct KernelSymbol: Equatable, Sendable {
    public let address: UInt64
    public let name: String
    /// kallsyms type letter: t/T text, w/W weak, d/D data...
    public let type: Character
    /// The module in brackets, nil for vmlinux.
    public let module: String?

    public var isText: Bool { "tTwW".contains(type) }
}

/// /proc/kallsyms as a table sorted by address: turns stack addresses into
/// `name+0xoff` (libbpf-tools' ksyms__map_addr, in Swift).
public final class Kallsyms: @unchecked Sendable {
    public let symbols: [KernelSymbol]

    public init(symbols: [KernelSymbol]) {
        self.symbols = symbols.sorted { $0.address < $1.address }
    }

    /// Loads /proc/kallsyms (or another file in its format).
    public static func load(path: String = "/proc/kallsyms") throws -> Kallsyms {
        let bytes = try readFileBytes(path).get()
        let syms = parse(bytes)
        if !syms.isEmpty && syms.allSatisfy({ $0.address == 0 }) {
            throw KernelInfoError.kallsymsHidden
        }
        return Kallsyms(symbols: syms)
    }

    /// Parses kallsyms lines `ffffffff81000000 T _stext` and `... t name\t[module]`.
    /// Malformed lines are skipped, never fatal.
    public static func parse(_ bytes: [UInt8]) -> [KernelSymbol] {
        var out: [KernelSymbol] = []
        out.reserveCapacity(bytes.count / 40)
        forEachLine(bytes) { line in
            if let s = parseLine(line) { out.append(s) }
        }
        return out
    }

    static func parseLine(_ line: ArraySlice<UInt8>) -> KernelSymbol? {
        var i = line.startIndex
        let end = line.endIndex
        var addr: UInt64 = 0
        var digits = 0
        while i < end, line[i] != 32 {
            let c = line[i]
            let v: UInt8
            switch c {
            case 48...57: v = c - 48
            case 97...102: v = c - 87
            case 65...70: v = c - 55
            default: return nil
            }
            if digits >= 16 { return nil }
            addr = addr << 4 | UInt64(v)
            digits += 1
            i += 1
        }
        guard digits > 0, i < end else { return nil }
        i += 1 // space
        // The type is one letter (t/T text, d/D data, ...); anything else is not kallsyms.
        guard i < end, (65...90).contains(line[i]) || (97...122).contains(line[i]) else { return nil }
        let type = Character(Unicode.Scalar(line[i]))
        i += 1
        guard i < end, line[i] == 32 else { return nil }
        i += 1
        let nameStart = i
        while i < end, line[i] != 9, line[i] != 32 { i += 1 }
        guard i > nameStart else { return nil }
        let name = String(decoding: line[nameStart..<i], as: UTF8.self)
        var module: String? = nil
        while i < end, line[i] == 9 || line[i] == 32 { i += 1 }
        if i < end, line[i] == 91 { // [
            let mStart = i + 1
            var j = mStart
            while j < end, line[j] != 93 { j += 1 }
            if j > mStart { module = String(decoding: line[mStart..<j], as: UTF8.self) }
        }
        return KernelSymbol(address: addr, name: name, type: type, module: module)
    }

    /// The symbol containing `address`: the last one at or below it.
    public func lookup(_ address: UInt64) -> (symbol: KernelSymbol, offset: UInt64)? {
        var lo = 0, hi = symbols.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if symbols[mid].address <= address { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { return nil }
        let s = symbols[lo - 1]
        return (s, address - s.address)
    }

    /// `name+0xoff`, with ` [module]` for module symbols; the raw address when unknown.
    public func symbolize(_ address: UInt64, offsets: Bool = true) -> String {
        guard let (s, off) = lookup(address) else { return "0x" + String(address, radix: 16) }
        var out = offsets ? "\(s.name)+0x\(String(off, radix: 16))" : s.name
        if let m = s.module { out += " [\(m)]" }
        return out
    }

    /// The function name alone (for matching frames against names).
    public func name(_ address: UInt64) -> String? { lookup(address)?.symbol.name }

    /// Address of a symbol by exact name (first match).
    public func address(of name: String) -> UInt64? {
        symbols.first { $0.name == name }?.address
    }

    /// Each text symbol's address as the kernel resolves a kprobe by name
    /// (kallsyms_lookup_name): the lowest one in vmlinux, else in a module.
    /// Sorted by address, vmlinux (0xffffffff8...) comes before modules.
    public func functionAddresses() -> [String: UInt64] {
        var out: [String: UInt64] = [:]
        for s in symbols where s.isText && out[s.name] == nil { out[s.name] = s.address }
        return out
    }
}

public enum KernelInfoError: Error, CustomStringConvertible, Sendable {
    case kallsymsHidden
    case noMatch(pattern: String)
    case badRegex(pattern: String, reason: String)
    case noTraceableFunctions(reason: String)

    public var description: String {
        switch self {
        case .kallsymsHidden:
            return "/proc/kallsyms shows only zero addresses (kernel.kptr_restrict); run as root or set `sysctl kernel.kptr_restrict=0`"
        case .noMatch(let p):
            let plain = quoted(p) == "\"\(p)\"" && !p.contains("'")
            let list = plain ? (p.hasSuffix("*") ? p : p + "*") : "PREFIX*"
            return "no traceable kernel function matches \(quoted(p)); check the name, or list candidates with `kpath funccount --list '\(list)'`"
        case .badRegex(let p, let r):
            return "bad regular expression \(quoted(p)): \(r)"
        case .noTraceableFunctions(let r):
            return "cannot list traceable kernel functions: \(r)"
        }
    }
}
