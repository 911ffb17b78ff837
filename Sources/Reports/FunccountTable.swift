import FoundationEssentials
import Sessions

/// bcc funccount's table: `%-36s %8s`, ascending, zero counts left out.
public enum FunccountTable {
    public static func render(_ counts: [FunctionCount]) -> String {
        var out = header + "\n"
        for c in counts where c.count > 0 { out += row(c) + "\n" }
        return out
    }

    public static let header = pad("FUNC", 36) + " " + lpad("COUNT", 8)
    public static func row(_ c: FunctionCount) -> String { pad(c.function, 36) + " " + lpad(String(c.count), 8) }
}

public enum JSONReport {
    public static func encode<T: Encodable>(_ value: T) throws -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Compare results keep syscall records; their JSON holds the strace lines.
        let line: @Sendable (SyscallRecord) -> String = { SyscallLine.record($0).rendered }
        enc.userInfo[.straceLine] = line
        // Tour results keep typed excerpts; their JSON holds the lines as printed.
        let excerpt: @Sendable (TourExcerpt) -> [String] = { $0.rendered }
        enc.userInfo[.tourExcerpt] = excerpt
        return String(decoding: try enc.encode(value), as: UTF8.self)
    }
}

/// Left-aligned in `width` columns (longer text is kept whole, as printf does).
public func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
}

public func lpad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
}
