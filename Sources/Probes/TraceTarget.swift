import KernelInfo

/// One place kpath takes kernel stacks at: a kernel function (kprobe) or a tracepoint.
public enum TraceTarget: Hashable, Codable, Sendable, CustomStringConvertible {
    case function(String)
    case tracepoint(category: String, event: String)

    /// `tcp_v4_connect` or `net:net_dev_queue`: how reports name the target.
    public var name: String {
        switch self {
        case .function(let f): return f
        case .tracepoint(let c, let e): return "\(c):\(e)"
        }
    }

    public var description: String { name }

    public var isTracepoint: Bool {
        if case .tracepoint = self { return true }
        return false
    }

    public var functionName: String? {
        if case .function(let f) = self { return f }
        return nil
    }
}

/// One target spec as written on the command line, before it is matched
/// against the kernel: a function pattern or a tracepoint pattern.
public enum TargetSpec: Hashable, Sendable, CustomStringConvertible {
    /// A kernel function name or glob (`tcp_v4_connect`, `tcp_*`, `p::tcp_*`).
    case function(pattern: String)
    /// `t:CATEGORY:EVENT` (globs allowed in either part: `t:tcp:*`).
    case tracepoint(category: String, event: String)

    public var description: String {
        switch self {
        case .function(let p): return p
        case .tracepoint(let c, let e): return "t:\(c):\(e)"
        }
    }

    public var isTracepoint: Bool {
        if case .tracepoint = self { return true }
        return false
    }

    /// Parses one spec, in bcc trace/stackcount syntax (`t:cat:event`, `p::func`,
    /// bare `func`) or bpftrace's (`tracepoint:cat:event`, `kprobe:func`).
    public static func parse(_ raw: String) throws -> TargetSpec {
        let spec = raw.trimmedSpecSpaces()
        if spec.isEmpty { throw TargetSpecError.malformed(spec: raw, reason: "empty target") }
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        if parts.count == 1 {
            try checkName(spec, raw: raw, what: "function name")
            return .function(pattern: spec)
        }
        let kind = parts[0]
        switch kind {
        case "t", "tp", "tracepoint":
            guard parts.count == 3, !parts[1].isEmpty, !parts[2].isEmpty else {
                throw TargetSpecError.malformed(spec: raw, reason: "a tracepoint is t:CATEGORY:EVENT, e.g. t:net:net_dev_queue")
            }
            try checkName(parts[1], raw: raw, what: "tracepoint category")
            try checkName(parts[2], raw: raw, what: "tracepoint event")
            return .tracepoint(category: parts[1], event: parts[2])
        case "p", "k", "kprobe":
            // bcc writes p::func (empty library) or p:func; bpftrace kprobe:func.
            let rest = parts.dropFirst().filter { !$0.isEmpty }
            guard rest.count == 1, parts.count <= 3, parts.count == 2 || parts[1].isEmpty else {
                throw TargetSpecError.malformed(spec: raw, reason: "a kernel function is FUNC or p::FUNC, e.g. p::tcp_v4_connect (user-space libraries are not supported)")
            }
            try checkName(rest[0], raw: raw, what: "function name")
            return .function(pattern: rest[0])
        case "r", "kr", "kretprobe":
            throw TargetSpecError.malformed(spec: raw, reason: "return probes are not supported: a kernel stack at return shows only the return trampoline; probe the function's entry instead")
        case "u", "uprobe", "uretprobe", "usdt":
            throw TargetSpecError.malformed(spec: raw, reason: "kpath takes kernel stacks only; user-space probes are not supported")
        default:
            throw TargetSpecError.malformed(spec: raw, reason: "unknown probe type \(quoted(kind)); use FUNC, p::FUNC or t:CATEGORY:EVENT")
        }
    }

    /// Letters, digits, `_`, `.` and glob characters only (kernel symbols and tracefs names).
    static func checkName(_ s: String, raw: String, what: String) throws {
        for ch in s.unicodeScalars {
            let ok = (ch >= "a" && ch <= "z") || (ch >= "A" && ch <= "Z") || (ch >= "0" && ch <= "9")
                || "_.*?[]-!".unicodeScalars.contains(ch)
            if !ok {
                throw TargetSpecError.malformed(spec: raw, reason: "\(quoted(String(Character(ch)))) cannot appear in a \(what)")
            }
        }
    }

    var hasGlob: Bool {
        switch self {
        case .function(let p): return !GlobPattern(p).isLiteral
        case .tracepoint(let c, let e): return !GlobPattern(c).isLiteral || !GlobPattern(e).isLiteral
        }
    }

    /// The tracepoints this spec names: itself when literal (checked to exist),
    /// every match when it holds a glob. None is `ProbeError.unknownTracepoint`.
    public func tracepoints(exists: (String, String) -> Bool = Tracefs.tracepointExists,
                            all: () -> [String] = Tracefs.tracepoints) throws -> [TraceTarget] {
        guard case .tracepoint(let c, let e) = self else { return [] }
        if GlobPattern(c).isLiteral && GlobPattern(e).isLiteral {
            guard exists(c, e) else { throw ProbeError.unknownTracepoint("\(c):\(e)") }
            return [.tracepoint(category: c, event: e)]
        }
        let cg = GlobPattern(c), eg = GlobPattern(e)
        var out: [TraceTarget] = []
        for tp in all() {
            let p = tp.split(separator: ":", maxSplits: 1).map(String.init)
            guard p.count == 2, cg.matches(p[0]), eg.matches(p[1]) else { continue }
            out.append(.tracepoint(category: p[0], event: p[1]))
        }
        if out.isEmpty { throw ProbeError.unknownTracepoint("\(c):\(e)") }
        return out
    }
}

public enum TargetSpecError: Error, CustomStringConvertible, Sendable {
    case malformed(spec: String, reason: String)
    case noTargets

    public var description: String {
        switch self {
        case .malformed(let s, let r): return "bad target \(quoted(s)): \(r)"
        case .noTargets: return "give at least one target: a kernel function (tcp_v4_connect, 'tcp_*') or a tracepoint (t:net:net_dev_queue)"
        }
    }
}

public enum TraceTargets {
    /// Parses every spec (all syntax errors before any kernel lookup).
    public static func parse(_ specs: [String]) throws -> [TargetSpec] {
        if specs.isEmpty { throw TargetSpecError.noTargets }
        return try specs.map(TargetSpec.parse)
    }

    /// Expands parsed specs into targets: tracepoints checked against tracefs,
    /// function patterns matched against `catalog` (called only when some spec
    /// is a function). Duplicates are dropped, first occurrence kept.
    public static func resolve(_ specs: [TargetSpec], catalog: () throws -> FunctionCatalog) throws -> [TraceTarget] {
        var out: [TraceTarget] = []
        var seen = Set<TraceTarget>()
        let functionPatterns = specs.compactMap { s -> String? in
            if case .function(let p) = s { return p }
            return nil
        }
        var functions: [String] = []
        if !functionPatterns.isEmpty {
            functions = try catalog().match(functionPatterns)
        }
        // Keep the user's order: each spec's expansion in turn.
        for s in specs {
            switch s {
            case .tracepoint:
                for t in try s.tracepoints() where seen.insert(t).inserted { out.append(t) }
            case .function(let p):
                let g = GlobPattern(p)
                for f in functions where g.matches(f) {
                    let t = TraceTarget.function(f)
                    if seen.insert(t).inserted { out.append(t) }
                }
            }
        }
        return out
    }
}

extension String {
    func trimmedSpecSpaces() -> String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}

/// funccount's and compare's function patterns in the one target syntax of
/// stacks and trace: `tcp_*`, `p::tcp_v4_connect`, `kprobe:tcp_*`, comma-
/// separated or repeated. A tracepoint is named as such and refused: these
/// commands count function calls. Regexes (-r) are taken as written.
public enum FunctionPatterns {
    public static func parse(_ args: [String], regex: Bool = false) throws -> [String] {
        let raw = splitPatterns(args)
        if regex { return raw }
        return try raw.map { p in
            switch try TargetSpec.parse(p) {
            case .function(let pattern): return pattern
            case .tracepoint:
                throw TargetSpecError.malformed(spec: p, reason: "this command counts kernel function calls; for hits of a tracepoint, with their stacks, use `kpath stacks \(p)`")
            }
        }
    }
}
