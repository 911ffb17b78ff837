import Glibc

/// The kernel functions kpath may probe: tracefs's available_filter_functions
/// (what ftrace, and so kprobe.multi and fentry, accept) when readable, else the
/// text symbols of /proc/kallsyms; minus the kprobe blacklist and a deny list of
/// functions that tracing itself runs through.
public struct FunctionCatalog: Sendable {
    public enum Source: String, Sendable { case availableFilterFunctions = "available_filter_functions", kallsyms = "kallsyms" }

    public let functions: [String]
    public let source: Source
    /// Names removed because the kprobe blacklist or the deny list holds them.
    public let excluded: Int

    public init(functions: [String], source: Source, excluded: Int = 0) {
        self.functions = functions
        self.source = source
        self.excluded = excluded
    }

    /// Functions tracing itself runs through (retsnoop's enforced deny list, and bcc's).
    public static let denyGlobs = [
        "bpf_*", "__bpf_*", "rcu_*", "__rcu_*", "migrate_disable", "migrate_enable",
        "preempt_count_*", "__preempt_count_*", "*_trampoline*", "__perf*", "perf_*",
        "__SCT__*", "_kbl_addr_*", "__x64_sys_bpf", "ftrace_*", "fprobe_*", "kprobe_*",
        "__kprobe*", "rethook_*", "trace_*", "__trace_*", "__traceiter_*", "*.cold",
        "*.cold.*", "_raw_spin_*", "__raw_spin_*", "__cfi_*",
    ]

    static let deny = denyGlobs.map(GlobPattern.init)

    /// Functions tracing itself runs through are never probed.
    public static func denied(_ name: String) -> Bool { deny.contains { $0.matches(name) } }

    public static func load(tracefs: String? = Tracefs.path(), kallsyms: Kallsyms? = nil) throws -> FunctionCatalog {
        let blacklist = loadBlacklist()
        var names: [String] = []
        var source = Source.availableFilterFunctions
        if let t = tracefs, let (bytes, addressed) = readFilterFunctions(t) {
            var addresses: [String: [UInt64]] = [:]
            forEachTraceable(bytes, addressed: addressed) { name, address in
                let s = String(decoding: name, as: UTF8.self)
                names.append(s)
                if addressed { addresses[s, default: []].append(address) }
            }
            if addressed { FilterFunctionAddresses.record(addresses) }
        } else {
            source = .kallsyms
            let ks = try kallsyms ?? Kallsyms.load()
            var seen = Set<String>()
            for s in ks.symbols where s.isText && seen.insert(s.name).inserted { names.append(s.name) }
        }
        if names.isEmpty { throw KernelInfoError.noTraceableFunctions(reason: "both available_filter_functions and /proc/kallsyms are empty") }
        // The deny list is applied in match(), to the few matches only: 50k-120k names x 30 globs is slow.
        var kept: [String] = []
        var seen = Set<String>()
        var excluded = 0
        for n in names {
            if blacklist.contains(n) { excluded += 1; continue }
            if seen.insert(n).inserted { kept.append(n) }
        }
        return FunctionCatalog(functions: kept, source: source, excluded: excluded)
    }

    /// The functions matching any of `patterns`, as `load().match(...)` finds
    /// them, but read in one pass: names are matched while
    /// available_filter_functions is parsed, and only matches become Strings
    /// (the file holds 50k-120k names; a catalog of them all costs start-up time
    /// and memory that funccount does not need).
    public static func matching(_ patterns: [String], regex: Bool = false, tracefs: String? = Tracefs.path(),
                                kallsyms: Kallsyms? = nil) throws -> [String] {
        guard let t = tracefs, let (bytes, addressed) = readFilterFunctions(t) else {
            return try load(tracefs: nil, kallsyms: kallsyms).match(patterns, regex: regex)
        }
        let matchers = try Self.matchers(patterns, regex: regex)
        // Each match with the patterns it hit; the kprobe blacklist (read only if
        // something matched) removes names before a pattern counts as matched.
        var found: [(name: String, hits: [Int])] = []
        var seen = Set<String>()
        var addresses: [String: [UInt64]] = [:]
        forEachTraceable(bytes, addressed: addressed) { name, address in
            let hits = matchers.indices.filter { matchers[$0].matches(utf8: name) }
            guard !hits.isEmpty else { return }
            let s = String(decoding: name, as: UTF8.self)
            if addressed { addresses[s, default: []].append(address) }
            if seen.insert(s).inserted { found.append((s, hits)) }
        }
        if addressed { FilterFunctionAddresses.record(addresses) }
        if bytes.isEmpty { throw KernelInfoError.noTraceableFunctions(reason: "available_filter_functions is empty") }
        let blacklist = found.isEmpty ? [] : loadBlacklist()
        var hit = [Bool](repeating: false, count: matchers.count)
        var out: [String] = []
        for f in found where !blacklist.contains(f.name) {
            for i in f.hits { hit[i] = true }
            if !denied(f.name) { out.append(f.name) }
        }
        if let miss = hit.firstIndex(of: false) { throw KernelInfoError.noMatch(pattern: patterns[miss]) }
        return out
    }

    /// `name [module]` lines; `__ftrace_invalid_address___NNN` placeholders are dropped.
    public static func parseAvailableFilterFunctions(_ bytes: [UInt8]) -> [String] {
        var out: [String] = []
        forEachTraceable(bytes, addressed: false) { name, _ in out.append(String(decoding: name, as: UTF8.self)) }
        return out
    }

    /// forEachFilterFunction without ftrace's `__ftrace_invalid_address___NNN`
    /// placeholders (records of functions the linker dropped): every caller's view.
    static func forEachTraceable(_ bytes: [UInt8], addressed: Bool, _ body: (ArraySlice<UInt8>, UInt64) -> Void) {
        let placeholder = Array("__ftrace_invalid_address__".utf8)
        forEachFilterFunction(bytes, addressed: addressed) { name, address in
            if !name.starts(with: placeholder) { body(name, address) }
        }
    }

    /// available_filter_functions, or its `_addrs` twin where kpath wants the
    /// addresses (FilterFunctionAddresses.wanted) and the kernel has it (6.5+);
    /// nil when neither is readable.
    static func readFilterFunctions(_ tracefs: String) -> (bytes: [UInt8], addressed: Bool)? {
        if FilterFunctionAddresses.wanted, case .success(let b) = readFileBytes(tracefs + "/" + FilterFunctionAddresses.file) {
            return (b, true)
        }
        if case .success(let b) = readFileBytes(tracefs + "/available_filter_functions") { return (b, false) }
        return nil
    }

    /// Each line's name (and, `addressed`, the address before it).
    static func forEachFilterFunction(_ bytes: [UInt8], addressed: Bool, _ body: (ArraySlice<UInt8>, UInt64) -> Void) {
        guard addressed else { return forEachFilterFunction(bytes) { body($0, 0) } }
        forEachLine(bytes) { line in
            if let (address, name) = FilterFunctionAddresses.parseLine(line) { body(name, address) }
        }
    }

    /// Each line's first field (the function name), as bytes.
    static func forEachFilterFunction(_ bytes: [UInt8], _ body: (ArraySlice<UInt8>) -> Void) {
        forEachLine(bytes) { line in
            var end = line.startIndex
            while end < line.endIndex, line[end] != 32, line[end] != 9 { end += 1 }
            if end > line.startIndex { body(line[line.startIndex..<end]) }
        }
    }

    /// /sys/kernel/debug/kprobes/blacklist: `0xSTART-0xEND\tsymbol [module]`.
    public static func parseBlacklist(_ bytes: [UInt8]) -> Set<String> {
        var out = Set<String>()
        forEachLine(bytes) { line in
            let fields = line.split(whereSeparator: { $0 == 9 || $0 == 32 })
            if fields.count >= 2 { out.insert(String(decoding: fields[1], as: UTF8.self)) }
        }
        return out
    }

    static func loadBlacklist() -> Set<String> {
        guard let d = Tracefs.debugfs(), case .success(let b) = readFileBytes(d + "/kprobes/blacklist") else { return [] }
        return parseBlacklist(b)
    }

    /// The functions matching any of `patterns` (globs, or regexes with `regex: true`),
    /// in catalog order. A pattern that matches nothing is an error naming it.
    public func match(_ patterns: [String], regex: Bool = false) throws -> [String] {
        let matchers = try Self.matchers(patterns, regex: regex)
        var hit = [Bool](repeating: false, count: matchers.count)
        var out: [String] = []
        for f in functions {
            var any = false
            for (i, m) in matchers.enumerated() where m.matches(f) { hit[i] = true; any = true }
            if any && !Self.denied(f) { out.append(f) }
        }
        if let miss = hit.firstIndex(of: false) { throw KernelInfoError.noMatch(pattern: patterns[miss]) }
        return out
    }

    static func matchers(_ patterns: [String], regex: Bool) throws -> [FunctionMatcher] {
        try patterns.map { regex ? try RegexPattern($0) as FunctionMatcher : GlobPattern($0) as FunctionMatcher }
    }
}

public protocol FunctionMatcher {
    func matches(_ name: String) -> Bool
    /// The same test on a name's UTF-8 bytes (a line of available_filter_functions).
    func matches(utf8 name: ArraySlice<UInt8>) -> Bool
}

extension FunctionMatcher {
    public func matches(utf8 name: ArraySlice<UInt8>) -> Bool { matches(String(decoding: name, as: UTF8.self)) }
}

/// Shell glob (`tcp_*`, `ip?_*`, `[iu]dp_*`), matched against the whole name like bcc's funccount.
/// The common shapes (literal, `prefix*`, `*suffix`) skip fnmatch: catalogs hold 50k+ names.
public struct GlobPattern: FunctionMatcher, Sendable {
    enum Shape: Sendable { case literal, prefix(String), suffix(String), general }
    public let pattern: String
    let shape: Shape

    public init(_ pattern: String) {
        self.pattern = pattern
        // Bytes, as fnmatch(3) sees them (a Character may hide `*` under a combining
        // mark); a backslash escapes in fnmatch (`a\\*` is a literal star), so it goes there too.
        let bytes = Array(pattern.utf8)
        let special = bytes.filter { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "\\") }
        if special.isEmpty {
            shape = .literal
        } else if special == [UInt8(ascii: "*")] && bytes.last == UInt8(ascii: "*") {
            shape = .prefix(String(decoding: bytes.dropLast(), as: UTF8.self))
        } else if special == [UInt8(ascii: "*")] && bytes.first == UInt8(ascii: "*") {
            shape = .suffix(String(decoding: bytes.dropFirst(), as: UTF8.self))
        } else {
            shape = .general
        }
    }

    public var isLiteral: Bool { if case .literal = shape { return true } else { return false } }

    public func matches(_ name: String) -> Bool {
        if case .general = shape { return fnmatch(pattern, name, 0) == 0 }
        return matchesShape(name.utf8)
    }

    public func matches(utf8 name: ArraySlice<UInt8>) -> Bool {
        if case .general = shape { return fnmatch(pattern, String(decoding: name, as: UTF8.self), 0) == 0 }
        return matchesShape(name)
    }

    /// The literal, prefix and suffix shapes, by bytes (== on Strings would equate é and e+◌́).
    private func matchesShape<Name: BidirectionalCollection>(_ name: Name) -> Bool where Name.Element == UInt8 {
        switch shape {
        case .literal: return name.elementsEqual(pattern.utf8)
        case .prefix(let p): return name.starts(with: p.utf8)
        case .suffix(let x): return name.reversed().starts(with: x.utf8.reversed())
        case .general: return false // matched by fnmatch in the callers
        }
    }
}

/// POSIX extended regex (`-r`), unanchored like grep: anchor with ^ and $.
public final class RegexPattern: FunctionMatcher, @unchecked Sendable {
    private var re = regex_t()
    public let pattern: String

    public init(_ pattern: String) throws {
        self.pattern = pattern
        if let why = RegexGuard.problem(pattern) { throw KernelInfoError.badRegex(pattern: pattern, reason: why) }
        let rc = regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB)
        if rc != 0 {
            var buf = [CChar](repeating: 0, count: 256)
            regerror(rc, &re, &buf, buf.count)
            throw KernelInfoError.badRegex(pattern: pattern, reason: String(cString: buf))
        }
    }

    deinit { regfree(&re) }

    public func matches(_ name: String) -> Bool { regexec(&re, name, 0, nil, 0) == 0 }
}

/// Splits `tcp_*,udp_*` and repeated arguments into single patterns.
public func splitPatterns(_ args: [String]) -> [String] {
    args.flatMap { $0.split(separator: ",").map { String($0).trimmed() } }.filter { !$0.isEmpty }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
