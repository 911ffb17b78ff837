import Glibc

/// Writing a file so that readers see the old file or the whole new one,
/// never half of it: a temporary file in the same directory, then rename.
public enum AtomicFile {
    public struct WriteError: Error, CustomStringConvertible, Sendable {
        public var path: String
        public var reason: String
        public var description: String { "cannot write \(path): \(reason)" }
    }

    /// Checks up front that `path` can be written (its directory exists and is
    /// writable, and it is not a directory), by creating and removing a
    /// temporary file next to it. `example` names a file for the hint.
    public static func checkWritable(_ path: String, example: String = "stacks.svg") throws {
        if path.isEmpty { throw WriteError(path: path, reason: "empty file name") }
        var st = stat()
        if stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
            throw WriteError(path: path, reason: "it is a directory; give a file name such as \(path.hasSuffix("/") ? path : path + "/")\(example)")
        }
        let (fd, tmp) = try makeTemp(for: path)
        close(fd)
        unlink(tmp)
    }

    /// Writes `text` to a temporary file beside `path`, flushes it, renames it over `path`.
    public static func write(_ text: String, to path: String) throws {
        let (fd, tmp) = try makeTemp(for: path)
        var ok = false
        defer { if !ok { unlink(tmp) } }
        let bytes = Array(text.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes[done...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                let e = errno
                close(fd)
                throw WriteError(path: path, reason: String(cString: strerror(e)))
            }
            done += n
        }
        if fsync(fd) != 0 || close(fd) != 0 {
            throw WriteError(path: path, reason: String(cString: strerror(errno)))
        }
        if rename(tmp, path) != 0 {
            throw WriteError(path: path, reason: String(cString: strerror(errno)))
        }
        ok = true
    }

    static func makeTemp(for path: String) throws -> (Int32, String) {
        let dir: String
        let base: String
        if let slash = path.lastIndex(of: "/") {
            dir = slash == path.startIndex ? "/" : String(path[..<slash])
            base = String(path[path.index(after: slash)...])
        } else {
            dir = "."
            base = path
        }
        if base.isEmpty { throw WriteError(path: path, reason: "no file name after the last /") }
        var st = stat()
        guard stat(dir, &st) == 0 else {
            throw WriteError(path: path, reason: "directory \(dir): \(String(cString: strerror(errno)))")
        }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { throw WriteError(path: path, reason: "\(dir) is not a directory") }
        var template = Array("\(dir)/.\(base).kpath-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        if fd < 0 { throw WriteError(path: path, reason: String(cString: strerror(errno))) }
        fchmod(fd, 0o644)
        return (fd, String(cString: template))
    }
}
