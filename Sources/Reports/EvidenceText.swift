import Sessions

/// Claims keep the syscalls they quote as records; here they become the
/// strace lines the reports print (one line each, no column padding).
extension SyscallLine {
    public var rendered: String {
        switch self {
        case .record(let r): return StraceFormat.line(r, Strace.Options(align: false))
        case .saved(let s): return s
        }
    }
}

extension Evidence {
    public var rendered: String {
        pieces.map { p in
            switch p {
            case .text(let t): return t
            case .call(let c): return c.rendered
            }
        }.joined()
    }
}
