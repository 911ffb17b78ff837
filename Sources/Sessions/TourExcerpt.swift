/// What a tour step shows of one command's output: the typed values that make
/// its point, never text picked back out of a report. Reports renders each
/// with the renderer of the command shown above it (`TourExcerpt.rendered`):
/// strace lines, funccount's table, a `trace -K` block, a `graph` tree.
public enum TourExcerpt: Sendable, Equatable {
    /// Syscall records and words (`kpath syscalls`, the tour's own summary lines).
    case lines([Evidence])
    /// `kpath funccount`: some rows of its table and the totals.
    case funccount(FunccountExcerpt)
    /// `kpath trace -K`: one hit with its kernel stack; nil when none came.
    case hit(TraceHit?)
    /// `kpath graph --depth N`: one syscall's call tree, at most `lines`
    /// lines of it; nil when no traced syscall ran a traced function.
    case callTree(SyscallTree?, depth: Int, lines: Int)
}

/// funccount's rows that make the dialing step's point: the article's
/// functions that ran, then the hottest of the rest, in the table's order
/// (ascending: the hottest last), and how many functions and calls in all.
public struct FunccountExcerpt: Sendable, Equatable {
    public var article: [FunctionCount]
    public var hottest: [FunctionCount]
    public var functions: Int
    public var calls: UInt64
    public init(article: [FunctionCount], hottest: [FunctionCount], functions: Int, calls: UInt64) {
        self.article = article; self.hottest = hottest; self.functions = functions; self.calls = calls
    }
}

extension CodingUserInfoKey {
    /// `@Sendable (TourExcerpt) -> [String]`: how Reports prints an excerpt (TourExcerpt.rendered).
    public static let tourExcerpt = CodingUserInfoKey(rawValue: "kpath.tourExcerpt")!
}

/// A command a step ran: what to type, and its excerpt. In JSON `lines` holds
/// the excerpt as printed (a string each), as it always did; a saved tour
/// loads them back as text.
public struct TourCommandRun: Codable, Sendable {
    /// What to type to see it yourself.
    public var display: String
    /// The traced command's exit status.
    public var exitStatus: Int32
    public var excerpt: TourExcerpt

    public init(display: String, exitStatus: Int32, excerpt: TourExcerpt) {
        self.display = display; self.exitStatus = exitStatus; self.excerpt = excerpt
    }
    public init(display: String, exitStatus: Int32, lines: [Evidence]) {
        self.init(display: display, exitStatus: exitStatus, excerpt: .lines(lines))
    }

    enum CodingKeys: String, CodingKey { case display, exitStatus, lines }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        display = try c.decode(String.self, forKey: .display)
        exitStatus = try c.decode(Int32.self, forKey: .exitStatus)
        excerpt = .lines(try c.decode([Evidence].self, forKey: .lines))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(display, forKey: .display)
        try c.encode(exitStatus, forKey: .exitStatus)
        if case .lines(let l) = excerpt { return try c.encode(l, forKey: .lines) }
        guard let render = encoder.userInfo[.tourExcerpt] as? @Sendable (TourExcerpt) -> [String] else {
            throw EncodingError.invalidValue(excerpt, .init(codingPath: encoder.codingPath,
                debugDescription: "a tour excerpt prints through Reports: encode with JSONReport"))
        }
        try c.encode(render(excerpt), forKey: .lines)
    }
}

/// Choosing, from a command's typed result, what the step shows.
extension TourEvidence {
    /// The article's functions, kept in funccount's excerpt whenever they ran.
    static let articleFunctions: Set<String> = ["tcp_v4_connect", "tcp_connect", "ip4_datagram_connect", "udp_connect", "udp_sendmsg",
                                                "udp_recvmsg", "__skb_recv_udp", "udp_v4_get_port"]

    /// `counts` in funccount's order (ascending): the article's functions,
    /// then the hottest others, `n` rows at most unless more article rows ran.
    public static func funccountExcerpt(_ counts: [FunctionCount], _ n: Int) -> FunccountExcerpt {
        let rows = counts.filter { $0.count > 0 }
        let article = rows.filter { articleFunctions.contains($0.function) }
        let others = rows.filter { !articleFunctions.contains($0.function) }
        return FunccountExcerpt(article: article, hottest: Array(others.suffix(max(0, n - article.count))),
                                functions: rows.count, calls: rows.reduce(0) { $0 + $1.count })
    }

    /// The first hit whose stack passes through one of `functions` (frames
    /// compared by name, offset and module left off), else the first hit.
    public static func firstHit(_ hits: [TraceHit], through functions: [String]) -> (hit: TraceHit, index: Int)? {
        if let i = hits.firstIndex(where: { passes($0, through: functions) }) { return (hits[i], i) }
        return hits.first.map { ($0, 0) }
    }

    /// True when one of the hit's frames is one of `functions`.
    public static func passes(_ hit: TraceHit, through functions: [String]) -> Bool {
        hit.frames.contains { functions.contains(StackFrames.name($0)) }
    }

    /// The first tree of syscall `name` that ran a traced function.
    public static func firstTree(_ trees: [SyscallTree], syscall name: String) -> SyscallTree? {
        trees.first { $0.name == name && !$0.calls.isEmpty } ?? trees.first { $0.name == name }
    }
}
