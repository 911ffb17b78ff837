/// Stacks merged for display: the same rendered frames at the same target by
/// the same command (and, per process, the same tgid) are one row.
public struct MergedStack: Codable, Sendable, Equatable {
    public var target: String
    /// Innermost first, as displayed (see KernelStack.displayFrames).
    public var frames: [String]
    public var comm: String
    /// Set when merged per process.
    public var tgid: UInt32?
    public var count: UInt64
    public var firstNs: UInt64
    public var missed: Bool

    public init(target: String, frames: [String], comm: String, tgid: UInt32? = nil, count: UInt64, firstNs: UInt64 = 0, missed: Bool = false) {
        self.target = target; self.frames = frames; self.comm = comm; self.tgid = tgid
        self.count = count; self.firstNs = firstNs; self.missed = missed
    }
}

extension Array where Element == KernelStack {
    /// Merges by (target, displayed frames, comm[, tgid]); most frequent first,
    /// ties broken by first hit.
    public func merged(offsets: Bool, perProcess: Bool = false) -> [MergedStack] {
        var index: [MergeKey: Int] = [:]
        var out: [MergedStack] = []
        for s in self where s.count > 0 {
            let f = s.displayFrames(offsets: offsets)
            let k = MergeKey(target: s.target, frames: f, comm: s.comm, tgid: perProcess ? s.tgid : nil)
            if let i = index[k] {
                out[i].count += s.count
                out[i].firstNs = Swift.min(out[i].firstNs, s.firstNs)
            } else {
                index[k] = out.count
                out.append(MergedStack(target: s.target, frames: f, comm: s.comm, tgid: k.tgid, count: s.count,
                                       firstNs: s.firstNs, missed: s.stackError != nil || s.frames.isEmpty))
            }
        }
        return out.sorted { a, b in
            if a.count != b.count { return a.count > b.count }
            if a.firstNs != b.firstNs { return a.firstNs < b.firstNs }
            return a.frames.lexicographicallyPrecedes(b.frames)
        }
    }

    /// All hits, lost stacks included.
    public var totalCount: UInt64 { reduce(0) { $0 + $1.count } }
}

private struct MergeKey: Hashable { var target: String; var frames: [String]; var comm: String; var tgid: UInt32? }

/// Folded stacks, one `frame;frame;... count` line per stack, outermost frame
/// first: the input of flamegraph.pl, inferno and speedscope. kpath writes
/// `comm;outermost;...;innermost count`.
public struct FoldedStacks: Equatable, Sendable {
    public struct Line: Equatable, Sendable {
        /// Outermost first (the first is the command name in kpath's output).
        public var frames: [String]
        public var count: UInt64
        public init(frames: [String], count: UInt64) { self.frames = frames; self.count = count }
    }

    public var lines: [Line]

    public init(lines: [Line]) { self.lines = lines }

    /// From merged stacks: `comm` (or `comm [tgid]` per process) first, then the frames outermost first.
    public init(_ stacks: [MergedStack]) {
        lines = stacks.map { s in
            let root = s.tgid.map { "\(s.comm) [\($0)]" } ?? s.comm
            return Line(frames: [Self.clean(root)] + s.frames.reversed().map(Self.clean), count: s.count)
        }
    }

    /// From kernel stacks: merged without offsets (what flame graphs want).
    public init(stacks: [KernelStack], offsets: Bool = false, perProcess: Bool = false) {
        self.init(stacks.merged(offsets: offsets, perProcess: perProcess))
    }

    /// A frame or command name made safe for the format: no `;`, no line breaks.
    public static func clean(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case ";": out.append(":")
            case "\n", "\r", "\t": out.append(" ")
            default: out.append(ch)
            }
        }
        return out.isEmpty ? "[unknown]" : out
    }

    public func render() -> String {
        lines.map { $0.frames.joined(separator: ";") + " " + String($0.count) + "\n" }.joined()
    }

    /// Parses folded text; blank lines are skipped, anything else must be
    /// `frames count` with an integer count after the last space.
    public static func parse(_ text: String) throws -> FoldedStacks {
        var out: [Line] = []
        // \r\n is one Character in Swift: split on any line break.
        for (n, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0.isNewline }).enumerated() {
            let line = Substring(raw)
            if line.allSatisfy({ $0 == " " }) { continue }
            guard let sp = line.lastIndex(of: " ") else {
                throw FoldedStacksError(line: n + 1, text: String(line), reason: "no count after the stack")
            }
            let countText = line[line.index(after: sp)...]
            guard let count = UInt64(countText) else {
                throw FoldedStacksError(line: n + 1, text: String(line), reason: "count \"\(countText)\" is not a whole number")
            }
            let stack = line[..<sp]
            guard !stack.isEmpty else {
                throw FoldedStacksError(line: n + 1, text: String(line), reason: "empty stack")
            }
            out.append(Line(frames: stack.split(separator: ";", omittingEmptySubsequences: false).map(String.init), count: count))
        }
        return FoldedStacks(lines: out)
    }

    public var total: UInt64 { lines.reduce(0) { $0 + $1.count } }

    /// Count per whole stack (`a;b;c`), identical lines summed.
    public var counts: [String: UInt64] {
        var out: [String: UInt64] = [:]
        for l in lines { out[l.frames.joined(separator: ";"), default: 0] += l.count }
        return out
    }
}

public struct FoldedStacksError: Error, CustomStringConvertible, Sendable {
    public var line: Int
    public var text: String
    public var reason: String
    public var description: String { "folded stacks, line \(line): \(reason): \(text.prefix(80))" }
}
