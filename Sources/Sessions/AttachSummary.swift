import Probes

/// What a function-probing command's result starts with: the kernel, the
/// backend, the patterns and what they attached (funccount, graph). In JSON
/// its keys sit beside the result's own, as they always have.
public struct AttachSummary: Codable, Sendable {
    public var kernel: String
    public var backend: Backend
    public var patterns: [String]
    public var attached: Int
    public var skipped: [SkippedFunction]
    public var attachSeconds: Double

    public init(kernel: String, backend: Backend, patterns: [String], attached: Int, skipped: [SkippedFunction], attachSeconds: Double) {
        self.kernel = kernel; self.backend = backend; self.patterns = patterns
        self.attached = attached; self.skipped = skipped; self.attachSeconds = attachSeconds
    }

    public init(kernel: String, patterns: [String], report: AttachReport) {
        self.init(kernel: kernel, backend: report.backend, patterns: patterns, attached: report.attachedCount,
                  skipped: report.skipped, attachSeconds: report.seconds)
    }
}

/// A result that starts with its attach summary: `FunccountResult`,
/// `GraphResult`. Both parts read through (`result.backend`, `result.counts`)
/// and encode into one JSON object, the summary's keys beside the body's.
@dynamicMemberLookup
public struct Attached<Body: Codable & Sendable>: Codable, Sendable {
    public var attach: AttachSummary
    public var body: Body

    public init(_ attach: AttachSummary, _ body: Body) { self.attach = attach; self.body = body }

    public subscript<T>(dynamicMember key: KeyPath<AttachSummary, T>) -> T { attach[keyPath: key] }
    public subscript<T>(dynamicMember key: WritableKeyPath<Body, T>) -> T {
        get { body[keyPath: key] }
        set { body[keyPath: key] = newValue }
    }

    public init(from decoder: Decoder) throws {
        attach = try AttachSummary(from: decoder)
        body = try Body(from: decoder)
    }
    public func encode(to encoder: Encoder) throws {
        try attach.encode(to: encoder)
        try body.encode(to: encoder)
    }
}
