/// What a claim quotes: its words, with the syscalls it rests on kept as
/// records. Sessions never render them: Reports prints each record as strace
/// would (`Evidence.rendered`), and JSON carries the rendered text, which is
/// what a saved result loads back (as text).
public struct Evidence: Sendable, Equatable, Codable, ExpressibleByStringInterpolation {
    public enum Piece: Sendable, Equatable {
        case text(String)
        case call(SyscallLine)
    }
    public var pieces: [Piece]

    public init(_ pieces: [Piece]) { self.pieces = pieces }
    public init(_ text: String) { pieces = [.text(text)] }
    public init(stringLiteral value: String) { self.init(value) }
    public init(stringInterpolation s: Interpolation) { pieces = s.pieces }

    public struct Interpolation: StringInterpolationProtocol {
        var pieces: [Piece] = []
        public init(literalCapacity: Int, interpolationCount: Int) {}
        mutating func text(_ s: String) {
            if s.isEmpty { return }
            if case .text(let t)? = pieces.last { pieces[pieces.count - 1] = .text(t + s) } else { pieces.append(.text(s)) }
        }
        public mutating func appendLiteral(_ s: String) { text(s) }
        /// A syscall record: quoted as its strace line when the report is printed.
        public mutating func appendInterpolation(_ r: SyscallRecord) { pieces.append(.call(.record(r))) }
        public mutating func appendInterpolation(_ e: Evidence) { for p in e.pieces { if case .text(let t) = p { text(t) } else { pieces.append(p) } } }
        public mutating func appendInterpolation<T>(_ v: T) { text(String(describing: v)) }
    }

    public static func + (a: Evidence, b: Evidence) -> Evidence { "\(a)\(b)" }

    public init(from decoder: Decoder) throws { self.init(try decoder.singleValueContainer().decode(String.self)) }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(try pieces.map { p -> String in
            switch p {
            case .text(let t): return t
            case .call(let l): return try l.text(encoder)
            }
        }.joined())
    }
}

/// One syscall of a compare client: the record this run made, or the strace
/// line a saved result holds (results keep lines in JSON, schema unchanged).
public enum SyscallLine: Sendable, Equatable, Codable, ExpressibleByStringLiteral {
    case record(SyscallRecord)
    case saved(String)

    public init(stringLiteral value: String) { self = .saved(value) }
    public init(from decoder: Decoder) throws { self = .saved(try decoder.singleValueContainer().decode(String.self)) }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(try text(encoder))
    }

    /// The record as a line, by the renderer Reports hands the encoder.
    func text(_ encoder: Encoder) throws -> String {
        switch self {
        case .saved(let s): return s
        case .record(let r):
            guard let line = encoder.userInfo[.straceLine] as? @Sendable (SyscallRecord) -> String else {
                throw EncodingError.invalidValue(r, .init(codingPath: encoder.codingPath,
                    debugDescription: "syscall records print as strace lines through Reports: encode with JSONReport"))
            }
            return line(r)
        }
    }
}

extension CodingUserInfoKey {
    /// `@Sendable (SyscallRecord) -> String`: how Reports prints a record (StraceFormat.line).
    public static let straceLine = CodingUserInfoKey(rawValue: "kpath.straceLine")!
}
