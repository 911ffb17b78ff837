/// A tracepoint's record layout, from tracefs's events/CATEGORY/EVENT/format:
/// its fields (offset, size, signedness, arrays, __data_loc strings) and the
/// value names its print fmt gives through __print_symbolic. `kpath trace
/// t:cat:event` names the fields of each raw record with it, as bcc's trace
/// and bpftrace's args do.
public struct TracepointFormat: Sendable, Equatable {
    public struct Field: Sendable, Equatable {
        public var name: String
        /// As tracefs writes it: `__u16`, `const void *`, `__data_loc char[]`.
        public var type: String
        public var offset: Int
        public var size: Int
        public var signed: Bool
        /// `__u8 saddr[4]`: elements of this many bytes (size / count of them).
        public var arrayCount: Int?
        /// `__data_loc char[] name`: a u32 whose low half is the offset of the
        /// string in the record and the high half its length.
        public var dataLoc: Bool { type.hasPrefix("__data_loc") }
        public var isChar: Bool { type.contains("char") }
    }

    public var fields: [Field]
    /// Field name -> value -> name (`__print_symbolic(REC->family, { 2, "AF_INET" }, ...)`).
    public var symbols: [String: [Int64: String]]
    /// Field names in the order print fmt shows them (`REC->family` ...).
    public var printOrder: [String]

    /// The event's own fields (not common_*), in print fmt's order, then the rest.
    public var eventFields: [Field] {
        let own = fields.filter { !$0.name.hasPrefix("common_") }
        let rank = Dictionary(printOrder.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        return own.enumerated().sorted { a, b in
            (rank[a.element.name] ?? Int.max, a.offset) < (rank[b.element.name] ?? Int.max, b.offset)
        }.map(\.element)
    }

    public init(parsing text: String) {
        var fields: [Field] = []
        var printFmt = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let l = line.trimmed()
            if l.hasPrefix("print fmt:") { printFmt = String(l.dropFirst("print fmt:".count)); continue }
            guard l.hasPrefix("field:") else { continue }
            var decl = "", offset = -1, size = -1, signed = false
            for part in l.split(separator: ";") {
                let p = part.trimmed()
                if p.hasPrefix("field:") { decl = String(p.dropFirst(6)) }
                else if p.hasPrefix("offset:") { offset = Int(p.dropFirst(7)) ?? -1 }
                else if p.hasPrefix("size:") { size = Int(p.dropFirst(5)) ?? -1 }
                else if p.hasPrefix("signed:") { signed = p.dropFirst(7) == "1" }
            }
            guard offset >= 0, size >= 0, let f = Self.field(decl, offset: offset, size: size, signed: signed) else { continue }
            fields.append(f)
        }
        self.fields = fields
        (symbols, printOrder) = Self.parsePrintFmt(printFmt)
    }

    /// `unsigned short common_type`, `__u8 saddr[4]`, `__data_loc char[] name`.
    static func field(_ decl: String, offset: Int, size: Int, signed: Bool) -> Field? {
        var d = decl.trimmed()
        var count: Int? = nil
        if d.hasSuffix("]"), let open = d.lastIndex(of: "[") {
            let inside = d[d.index(after: open)..<d.index(before: d.endIndex)]
            let name = d[..<open]
            // `__data_loc char[] name` keeps its [] in the type, before the name.
            if !name.hasSuffix(" ") && !name.isEmpty {
                count = Int(inside)
                d = String(name)
            }
        }
        guard let space = d.lastIndex(where: { $0 == " " || $0 == "*" }) else { return nil }
        let name = String(d[d.index(after: space)...])
        let type = String(d[...space]).trimmed()
        guard !name.isEmpty else { return nil }
        return Field(name: name, type: type, offset: offset, size: size, signed: signed,
                     arrayCount: count.flatMap { $0 > 0 ? $0 : nil })
    }

    /// Field names in REC->NAME order, and __print_symbolic tables with integer values.
    static func parsePrintFmt(_ s: String) -> ([String: [Int64: String]], [String]) {
        var order: [String] = [], seen = Set<String>()
        var symbols: [String: [Int64: String]] = [:]
        let chars = Array(s)
        var i = 0
        func ident(at j: Int) -> (String, Int) {
            var k = j
            while k < chars.count, chars[k].isLetter || chars[k].isNumber || chars[k] == "_" { k += 1 }
            return (String(chars[j..<k]), k)
        }
        while i < chars.count {
            if chars[i...].starts(with: "REC->") {
                let (name, end) = ident(at: i + 5)
                if !name.isEmpty && seen.insert(name).inserted { order.append(name) }
                i = end
                continue
            }
            if chars[i...].starts(with: "__print_symbolic(REC->") {
                let (name, end) = ident(at: i + 22)
                if !name.isEmpty && seen.insert(name).inserted { order.append(name) }
                // { VALUE, "NAME" } pairs up to the closing parenthesis
                var j = end, depth = 1, table: [Int64: String] = [:]
                while j < chars.count && depth > 0 {
                    if chars[j] == "(" { depth += 1 } else if chars[j] == ")" { depth -= 1 }
                    if chars[j] == "{", let close = chars[j...].firstIndex(of: "}") {
                        let pair = String(chars[(j + 1)..<close])
                        if let comma = pair.firstIndex(of: ",") {
                            let v = pair[..<comma].trimmed()
                            let n = pair[pair.index(after: comma)...].trimmed()
                            if let value = Self.integer(v), n.hasPrefix("\""), n.hasSuffix("\""), n.count >= 2 {
                                table[value] = String(n.dropFirst().dropLast())
                            }
                        }
                        j = close
                    }
                    j += 1
                }
                if !table.isEmpty { symbols[name] = table }
                i = j
                continue
            }
            i += 1
        }
        return (symbols, order)
    }

    static func integer(_ s: String) -> Int64? {
        var t = Substring(s)
        while t.first == "(" && t.last == ")" { t = t.dropFirst().dropLast() }
        if t.hasPrefix("0x") { return Int64(t.dropFirst(2), radix: 16) }
        return Int64(t)
    }

    /// The event's fields of one raw record, named and typed.
    public func decode(_ record: [UInt8]) -> [TracepointFieldValue] {
        eventFields.compactMap { f in
            guard f.offset + f.size <= record.count else { return nil }
            let bytes = Array(record[f.offset..<(f.offset + f.size)])
            if f.dataLoc {
                let loc = Self.unsigned(bytes)
                let off = Int(loc & 0xffff), len = Int(loc >> 16)
                guard f.isChar, off + len <= record.count else { return TracepointFieldValue(name: f.name, value: .unavailable) }
                return TracepointFieldValue(name: f.name, value: .string(Self.cString(Array(record[off..<(off + len)]))))
            }
            if let n = f.arrayCount {
                if f.isChar && f.size == n { return TracepointFieldValue(name: f.name, value: .string(Self.cString(bytes))) }
                return TracepointFieldValue(name: f.name, value: .bytes(bytes))
            }
            guard [1, 2, 4, 8].contains(f.size) else { return TracepointFieldValue(name: f.name, value: .bytes(bytes)) }
            let raw = Self.unsigned(bytes)
            // syscalls:* widen every argument to 8 bytes with signed:0; an `int dfd` is still signed.
            let signed = f.signed || Self.signedTypes.contains(f.type)
            let v: Int64 = signed ? Self.signExtend(raw, size: f.size) : Int64(bitPattern: raw)
            if let name = symbols[f.name]?[v] { return TracepointFieldValue(name: f.name, value: .symbol(name, v)) }
            if f.type.hasSuffix("*") { return TracepointFieldValue(name: f.name, value: .pointer(raw)) }
            return TracepointFieldValue(name: f.name, value: signed ? .signed(v) : .unsigned(raw))
        }
    }

    static let signedTypes: Set<String> = ["int", "long", "short", "long long", "pid_t", "s8", "s16", "s32", "s64",
                                           "__s8", "__s16", "__s32", "__s64", "int8_t", "int16_t", "int32_t", "int64_t"]

    static func unsigned(_ b: [UInt8]) -> UInt64 {  // little-endian (x86-64)
        b.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }

    static func signExtend(_ v: UInt64, size: Int) -> Int64 {
        let shift = UInt64(64 - 8 * size)
        return Int64(bitPattern: v << shift) >> shift
    }

    static func cString(_ b: [UInt8]) -> String { String(decoding: b.prefix { $0 != 0 }, as: UTF8.self) }
}

/// One field of one tracepoint hit, as the kernel's record holds it.
public struct TracepointFieldValue: Codable, Sendable, Equatable {
    public enum Value: Codable, Sendable, Equatable {
        case signed(Int64)
        case unsigned(UInt64)
        /// A value __print_symbolic names (`AF_INET`), with the number.
        case symbol(String, Int64)
        case pointer(UInt64)
        case string(String)
        case bytes([UInt8])
        /// A __data_loc string past the bytes copied (KP_TP_DATA_MAX).
        case unavailable
    }
    public var name: String
    public var value: Value
    public init(name: String, value: Value) { self.name = name; self.value = value }
}

extension Tracefs {
    /// events/CATEGORY/EVENT/format, parsed; nil when unreadable.
    public static func format(category: String, event: String) -> TracepointFormat? {
        guard let t = path(), let text = readFileString("\(t)/events/\(category)/\(event)/format") else { return nil }
        return TracepointFormat(parsing: text)
    }
}
