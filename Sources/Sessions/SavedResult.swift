import FoundationEssentials
import Glibc
import KernelInfo

/// Which command saved a result file (`--json`).
public enum ResultKind: String, Codable, Sendable {
    case compare, funccount
}

/// A result read back from a file saved by `kpath compare --json` or
/// `kpath funccount --json`; the kind is told by its keys, then checked by decoding.
public enum SavedResult: Sendable {
    case compare(CompareResult)
    case funccount(FunccountResult)

    public var kind: ResultKind {
        switch self {
        case .compare: return .compare
        case .funccount: return .funccount
        }
    }

    public static func load(_ path: String) throws -> SavedResult {
        let bytes: [UInt8]
        switch readFileBytes(path) {
        case .success(let b): bytes = b
        case .failure(let e): throw SavedResultError.unreadable(path: path, reason: String(cString: strerror(e.errno)))
        }
        return try decode(Data(bytes), path: path)
    }

    public static func decode(_ data: Data, path: String) throws -> SavedResult {
        let keys: Set<String>
        do { keys = try JSONDecoder().decode(TopKeys.self, from: data).keys } catch {
            throw SavedResultError.notJSON(path: path)
        }
        // compare has "runs", funccount "counts": the one key each cannot do without.
        let kind: ResultKind
        if keys.contains("runs") { kind = .compare } else if keys.contains("counts") { kind = .funccount } else {
            throw SavedResultError.notAResult(path: path, problem: "it has neither \"runs\" (compare) nor \"counts\" (funccount)")
        }
        do {
            switch kind {
            case .compare: return .compare(try JSONDecoder().decode(CompareResult.self, from: data))
            case .funccount: return .funccount(try JSONDecoder().decode(FunccountResult.self, from: data))
            }
        } catch let e as DecodingError {
            throw SavedResultError.notAResult(path: path, problem: "as a \(kind.rawValue) result: \(describe(e))")
        }
    }

    /// "field runs[0].dials is missing": where decoding stopped, in one line.
    static func describe(_ e: DecodingError) -> String {
        func at(_ path: [CodingKey]) -> String {
            var s = ""
            for k in path {
                if let i = k.intValue { s += "[\(i)]" } else { s += (s.isEmpty ? "" : ".") + k.stringValue }
            }
            return s
        }
        switch e {
        case .keyNotFound(let k, let c): return "field \(at(c.codingPath + [k])) is missing"
        case .typeMismatch(_, let c), .valueNotFound(_, let c): return "field \(at(c.codingPath)) has the wrong type"
        case .dataCorrupted(let c): return "field \(at(c.codingPath)) is invalid"
        @unknown default: return "\(e)"
        }
    }
}

/// The top-level keys of a JSON object (fails on anything else).
private struct TopKeys: Decodable {
    var keys: Set<String>
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
    init(from decoder: Decoder) throws {
        keys = Set(try decoder.container(keyedBy: Key.self).allKeys.map(\.stringValue))
    }
}

public enum SavedResultError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case notJSON(path: String)
    case notAResult(path: String, problem: String)
    case kindsDiffer(a: String, aKind: ResultKind, b: String, bKind: ResultKind)

    public var description: String {
        switch self {
        case .unreadable(let p, let reason):
            return "cannot read \(quoted(p)): \(reason)"
        case .notJSON(let p):
            return "\(quoted(p)) is not a JSON object; give a file saved by `kpath compare ... --json` or `kpath funccount ... --json`"
        case .notAResult(let p, let problem):
            return "\(quoted(p)) is not a kpath result (\(problem)); give a file saved by `kpath compare ... --json` or `kpath funccount ... --json`"
        case .kindsDiffer(let a, let ak, let b, let bk):
            return "\(quoted(a)) is a \(ak.rawValue) result but \(quoted(b)) is a \(bk.rawValue) result; diff two of the same kind"
        }
    }
}
