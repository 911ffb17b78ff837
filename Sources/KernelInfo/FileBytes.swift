import Glibc

/// Reads a whole file, including /proc and tracefs files whose size reads as 0.
/// Errors are values: the errno of open(2) or read(2).
public func readFileBytes(_ path: String) -> Result<[UInt8], FileError> {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 { return .failure(FileError(path: path, errno: errno)) }
    defer { close(fd) }
    var out: [UInt8] = []
    out.reserveCapacity(1 << 20)
    var chunk = [UInt8](repeating: 0, count: 1 << 18)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            return .failure(FileError(path: path, errno: errno))
        }
        if n == 0 { break }
        out.append(contentsOf: chunk[0..<n])
    }
    return .success(out)
}

public func readFileString(_ path: String) -> String? {
    guard case .success(let b) = readFileBytes(path) else { return nil }
    return String(decoding: b, as: UTF8.self)
}

public struct FileError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let errno: Int32
    public var description: String { "\(path): \(String(cString: strerror(errno)))" }
}

/// Splits bytes into lines without building intermediate Strings.
@inline(__always)
func forEachLine(_ bytes: [UInt8], _ body: (ArraySlice<UInt8>) -> Void) {
    var start = 0
    let n = bytes.count
    bytes.withUnsafeBufferPointer { buf in
        var i = 0
        while i < n {
            if buf[i] == 10 {
                body(bytes[start..<i])
                start = i + 1
            }
            i += 1
        }
    }
    if start < n { body(bytes[start..<n]) }
}
