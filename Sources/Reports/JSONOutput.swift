import FoundationEssentials

/// The version of every `--json` form (docs/json.md). It goes up only when a
/// field changes meaning or goes away; added fields keep it.
public enum JSONSchema {
    public static let version = 1
}

/// A value with `schema_version` written beside its own top-level keys. Only
/// for writing: readers ignore the key, so files saved before it existed
/// (Tests/fixtures/compare-*.json) load as they always did.
public struct Versioned<Value: Encodable>: Encodable {
    public var value: Value
    public init(_ value: Value) { self.value = value }
    enum K: String, CodingKey { case schemaVersion = "schema_version" }
    public func encode(to encoder: Encoder) throws {
        try value.encode(to: encoder)
        var c = encoder.container(keyedBy: K.self)
        try c.encode(JSONSchema.version, forKey: .schemaVersion)
    }
}

/// One NDJSON record: `schema_version`, its `type` ("start", "syscall", "hit",
/// "end", ...) and the value's own keys, on one line.
public struct StreamRecord<Value: Encodable>: Encodable {
    public var type: String
    public var value: Value
    public init(_ type: String, _ value: Value) { self.type = type; self.value = value }
    enum K: String, CodingKey { case schemaVersion = "schema_version", type }
    public func encode(to encoder: Encoder) throws {
        try value.encode(to: encoder)
        var c = encoder.container(keyedBy: K.self)
        try c.encode(JSONSchema.version, forKey: .schemaVersion)
        try c.encode(type, forKey: .type)
    }
}

extension JSONReport {
    /// A whole `--json` document: pretty, sorted keys, with `schema_version`.
    public static func document<T: Encodable>(_ value: T) throws -> String {
        try encode(Versioned(value)) + "\n"
    }

    /// One NDJSON line (newline included): compact, sorted keys, `schema_version` and `type` first in meaning.
    public static func line<T: Encodable>(_ type: String, _ value: T) throws -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try enc.encode(StreamRecord(type, value)), as: UTF8.self) + "\n"
    }
}
