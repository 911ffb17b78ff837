import CLibbpf
import Glibc

/// A libbpf or bpf(2) failure: what kpath tried, errno's text, and the verifier's log when the kernel refused a program.
public struct BPFError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let errno: Int32
    public let log: String

    public init(_ operation: String, errno: Int32, log: String = "") {
        self.operation = operation
        self.errno = errno
        self.log = log
    }

    public var errnoText: String { String(cString: strerror(errno)) }

    public var description: String {
        var s = "\(operation): \(errnoText)"
        if !log.isEmpty { s += "\n" + log }
        return s
    }
}

/// libbpf returns -errno (or NULL with errno set); turn that into a thrown BPFError.
@inline(__always)
func check(_ rc: Int32, _ operation: @autoclosure () -> String) throws {
    if rc < 0 { throw BPFError(operation(), errno: -rc, log: LibbpfLog.take()) }
}

/// Collects libbpf's log lines (verifier output included) so that errors can carry them.
public enum LibbpfLog {
    nonisolated(unsafe) private static var buffer = ""
    nonisolated(unsafe) private static var installed = false
    /// Print libbpf's debug lines to stderr as well (kpath --debug).
    nonisolated(unsafe) public static var echo = false

    public static func install() {
        guard !installed else { return }
        installed = true
        if getenv("KPATH_DEBUG") != nil { echo = true }
        libbpf_set_print { level, format, args in
            guard let format else { return 0 }
            var line = [CChar](repeating: 0, count: 4096)
            let n = kpath_vsnprintf(&line, line.count, format, args!)
            if n > 0 {
                let text = String(cString: line)
                if LibbpfLog.echo { fputs(text, stderr) }
                if level != LIBBPF_DEBUG { LibbpfLog.append(text) }
            }
            return 0
        }
    }

    static func append(_ s: String) {
        buffer += s
        if buffer.utf8.count > 64 * 1024 { buffer = String(buffer.suffix(48 * 1024)) }
    }

    /// The log since the last take, trimmed to its last lines (the verifier's verdict is at the end).
    public static func take(maxLines: Int = 40) -> String {
        defer { buffer = "" }
        let lines = buffer.split(separator: "\n", omittingEmptySubsequences: true)
        return lines.suffix(maxLines).joined(separator: "\n")
    }
}

/// libbpf's option structs must have zeroed padding past their last field
/// ("has non-zero extra bytes"), which a Swift struct copy does not promise:
/// build them in calloc'd memory and pass the pointer.
func withOpts<T, R>(_ type: T.Type, _ body: (UnsafeMutablePointer<T>) throws -> R) rethrows -> R {
    let raw = calloc(1, MemoryLayout<T>.size)!
    defer { free(raw) }
    let p = raw.bindMemory(to: T.self, capacity: 1)
    // Every libbpf opts struct starts with `size_t sz`.
    raw.storeBytes(of: MemoryLayout<T>.size, as: Int.self)
    return try body(p)
}
