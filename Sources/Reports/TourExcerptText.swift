import Sessions

/// A tour step's excerpt, printed by the renderer of the command it shows:
/// strace lines, funccount's table rows, a `trace -K` block, a `graph` tree.
extension TourExcerpt {
    /// Graph lines longer than this are cut with `…` (the tree's depth makes
    /// them long; the HTML page keeps the tour's width too).
    static let treeWidth = 74

    public var rendered: [String] {
        switch self {
        case .lines(let l):
            return l.map(\.rendered)
        case .funccount(let f):
            var o = [FunccountTable.header] + f.article.map(FunccountTable.row)
            if !f.hottest.isEmpty { o += ["…"] + f.hottest.map(FunccountTable.row) }
            return o + ["(\(f.functions) functions, \(f.calls) calls in all)"]
        case .hit(let h):
            guard let h else { return ["(no hit while tracing)"] }
            return [TraceReport.header] + Self.lines(TraceReport.block(h, kernelStack: true))
        case .callTree(let t, let depth, let n):
            guard let t else { return ["(no call tree: the syscall ran no traced function)"] }
            let l = Self.lines(GraphReport.renderTree(t, pruning: .init(depth: depth))).map { Terminal.clip($0, width: Self.treeWidth) }
            return TourEvidence.cap(l, n)
        }
    }

    /// A rendered block as its lines (the final newline dropped).
    static func lines(_ text: String) -> [String] {
        var l = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while l.last == "" { l.removeLast() }
        return l
    }
}
