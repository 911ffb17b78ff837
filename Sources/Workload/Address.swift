// Protocols, addresses, errors, and name resolution (getaddrinfo).
import Glibc

/// The transport the echo workload runs over: TCP and UDP over IPv4 (as the
/// article) or IPv6, and Unix sockets (stream and datagram) on a path.
public enum EchoProto: String, CaseIterable, Sendable, CustomStringConvertible {
    case udp, tcp, udp6, tcp6, unix, unixgram

    /// "udp", "tcp", "udp6", "tcp6", "unix", "unixgram" (any case); anything else is `WorkloadError.unknownProto`.
    public init(parsing text: String) throws {
        guard let proto = EchoProto(rawValue: text.lowercased()) else {
            throw WorkloadError.unknownProto(text)
        }
        self = proto
    }

    public var description: String { rawValue }

    /// A byte stream (tcp, tcp6, unix): connect, then read until the whole echo is in.
    public var isStream: Bool { self == .tcp || self == .tcp6 || self == .unix }
    /// A Unix socket: its address is a path (or an abstract @name), not HOST:PORT.
    public var isUnix: Bool { self == .unix || self == .unixgram }

    var socketType: Int32 {
        isStream ? Int32(SOCK_STREAM.rawValue) : Int32(SOCK_DGRAM.rawValue)
    }

    /// The address family getaddrinfo is asked for: tcp6/udp6 take IPv6 only.
    var family: Int32 {
        switch self {
        case .tcp6, .udp6: return AF_INET6
        case .unix, .unixgram: return AF_UNIX
        case .tcp, .udp: return AF_UNSPEC
        }
    }

    /// The largest message one echo carries.
    public var maxMessage: Int {
        switch self {
        case .udp: return maxUDPMessage
        case .udp6: return 65_527             // 65535 - 8 UDP (the IPv6 header is not in the payload length)
        case .unixgram: return 65_536         // the server's receive buffer
        case .tcp, .tcp6: return maxTCPMessage
        // The echo is written back while the client is still writing: both
        // sockets' send buffers (~208 KiB each by default) must hold it.
        case .unix: return 65_536
        }
    }

    /// Where a server listens when not told: loopback with a free port, or an
    /// abstract Unix name (nothing left on the filesystem).
    public var defaultListen: String {
        switch self {
        case .tcp, .udp: return "127.0.0.1:0"
        case .tcp6, .udp6: return "[::1]:0"
        case .unix, .unixgram: return "@kpath-echo-\(getpid())"
        }
    }
}

/// The longest Unix socket path (sun_path is 108 bytes with its NUL).
public let maxUnixPath = 107

/// The largest UDP payload in one IPv4 datagram (65535 - 20 IP - 8 UDP).
public let maxUDPMessage = 65_507
/// The largest message kpath's TCP echo client sends: it writes the whole
/// message before reading, so the echo must fit in the loopback buffers.
public let maxTCPMessage = 1 << 20

/// A "HOST:PORT" address as the article's Go code takes it:
/// "127.0.0.1:9000", "localhost:9000", "[::1]:9000".
public struct EchoAddress: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: UInt16
    /// A Unix socket's address: a filesystem path, "@name" for the abstract
    /// namespace, or "" for an unnamed socket (host and port are then unused).
    public var path: String?

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    public init(path: String) {
        self.host = ""
        self.port = 0
        self.path = path
    }

    /// An abstract Unix name ("@name"): no file, gone with the last socket.
    public var isAbstract: Bool { path?.hasPrefix("@") ?? false }

    /// The address `proto` takes: a Unix path or @name for unix/unixgram,
    /// HOST:PORT otherwise (tcp6/udp6 default to ::1 where a default is asked for).
    public init(parsing text: String, for proto: EchoProto, listening: Bool) throws {
        if proto.isUnix {
            try self.init(unixPath: text)
        } else {
            let host = listening ? (proto.family == AF_INET6 ? "::1" : "127.0.0.1") : nil
            try self.init(parsing: text, allowPortZero: listening, defaultHost: host)
        }
    }

    /// "/run/echo.sock" or "@name" (abstract): not empty, at most 107 bytes, no NUL.
    public init(unixPath text: String) throws {
        func malformed(_ why: String) -> WorkloadError {
            .malformedAddress(text, reason: why + " (want a socket path such as /tmp/echo.sock, or @name for an abstract one)")
        }
        if text.isEmpty || text == "@" { throw malformed("empty") }
        if text.utf8.contains(0) { throw malformed("a NUL byte inside the path") }
        if text.utf8.count > maxUnixPath {
            throw malformed("\(text.utf8.count) bytes; a Unix socket path holds at most \(maxUnixPath)")
        }
        self.init(path: text)
    }

    /// Parses "HOST:PORT" or "[IPV6]:PORT".
    /// - allowPortZero: for listening, where port 0 picks a free port.
    /// - defaultHost: when given, "PORT" and ":PORT" mean defaultHost:PORT
    ///   (kpath's server passes "127.0.0.1": loopback unless told otherwise).
    public init(parsing text: String, allowPortZero: Bool = false, defaultHost: String? = nil) throws {
        func malformed(_ why: String) -> WorkloadError { .malformedAddress(text, reason: why) }
        var host: Substring
        var portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw malformed("missing ']'") }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw malformed("missing port") }
            portText = rest.dropFirst()
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") {
                throw malformed("an IPv6 address needs brackets")
            }
        } else if let defaultHost, !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) {
            host = Substring(defaultHost)
            portText = Substring(text)
        } else {
            throw malformed(text.isEmpty ? "empty" : "missing port")
        }
        if host.isEmpty {
            guard let defaultHost else { throw malformed("missing host") }
            host = Substring(defaultHost)
        }
        if host.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7f } ?? false }) {
            throw malformed("host contains a space or control character")
        }
        // Brackets only delimit an IPv6 address; inside a host they would not print back.
        if host.contains("[") || host.contains("]") {
            throw malformed("a bracket inside the host")
        }
        guard !portText.isEmpty else { throw malformed("missing port") }
        guard portText.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw WorkloadError.invalidPort(String(portText), address: text)
        }
        let lowest = allowPortZero ? 0 : 1
        guard let number = Int(portText), number >= lowest, number <= 65535 else {
            throw WorkloadError.portOutOfRange(String(portText), lowest: lowest)
        }
        self.host = String(host)
        self.port = UInt16(number)
    }

    /// "127.0.0.1:9000", or "[::1]:9000" for IPv6; a Unix socket's path, or
    /// "unnamed" for a client socket that never bound one.
    public var description: String {
        if let path { return path.isEmpty ? "unnamed" : path }
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// Everything the workload reports as a failure. `description` is one line
/// that names the problem and, where there is one, what to do.
public enum WorkloadError: Error, CustomStringConvertible, Equatable, Sendable {
    case malformedAddress(String, reason: String)
    case invalidPort(String, address: String)
    case portOutOfRange(String, lowest: Int)
    case unknownProto(String)
    case unknownHost(String, reason: String)
    case emptyMessage
    case messageTooLarge(bytes: Int, limit: Int, proto: EchoProto)
    case invalidTimeout(Double)
    case invalidCount(Int)
    case invalidDuration(Double)
    case addressInUse(EchoAddress, proto: EchoProto)
    case listenFailed(EchoAddress, proto: EchoProto, reason: String)
    /// `op` is "dial" (TCP connect) or "read" (UDP: the ICMP port unreachable
    /// comes back as ECONNREFUSED on the next read of the connected socket).
    case connectionRefused(op: String, proto: EchoProto, local: String?, remote: String)
    /// The article's message: "read udp LOCAL->REMOTE: i/o timeout".
    case timeout(op: String, proto: EchoProto, local: String, remote: String)
    case connectionClosed(proto: EchoProto, local: String, remote: String, received: Int, expected: Int)
    /// Any other failed socket call, Go style: "write udp L->R: message too long".
    case socketFailed(op: String, proto: EchoProto, local: String?, remote: String?, reason: String)
    case cancelled
    case commandNotFound(String)
    case spawnFailed(String, reason: String)
    case notRunning(role: String, pid: Int32, status: Int32)

    public var description: String {
        switch self {
        case let .malformedAddress(text, reason):
            // A Unix path's reason carries its own "(want a socket path ...)".
            if reason.hasSuffix(")") { return "malformed address \(quotedText(text)): \(reason)" }
            return "malformed address \(quotedText(text)): \(reason) (want HOST:PORT, e.g. 127.0.0.1:9000 or [::1]:9000)"
        case let .invalidPort(port, address):
            return "invalid port \(quotedText(port)) in \(quotedText(address)) (want a number, 1-65535)"
        case let .portOutOfRange(port, lowest):
            return "port \(port) out of range (\(lowest)-65535)"
        case let .unknownProto(text):
            return "unknown protocol \(quotedText(text)) (use one of \(EchoProto.allCases.map(\.rawValue).joined(separator: ", ")))"
        case let .unknownHost(host, reason):
            return "cannot resolve host \"\(host)\": \(reason) (check the name, or use an IP address such as 127.0.0.1)"
        case .emptyMessage:
            return "the message is empty (pass --message TEXT, or pipe some text on stdin)"
        case let .messageTooLarge(bytes, limit, proto):
            let hint = proto == .udp ? "shorten it, or use --proto tcp" : "shorten it"
            let what: String
            switch proto {
            case .udp, .udp6: what = "UDP datagram"
            case .unixgram: what = "Unix datagram"
            case .tcp, .tcp6: what = "TCP echo"
            case .unix: what = "Unix stream echo"
            }
            return "message is \(bytes) bytes; one \(what) carries at most \(limit) (\(hint))"
        case let .invalidTimeout(value):
            return "timeout must be greater than 0 seconds (got \(value))"
        case let .invalidCount(value):
            return "count must be at least 1 (got \(value))"
        case let .invalidDuration(value):
            return "duration must be greater than 0 seconds (got \(value))"
        case let .addressInUse(address, proto):
            if proto.isUnix {
                return "cannot listen on \(address) (\(proto)): address already in use (another server has it, or a stale socket file is left: remove it, or pick another path)"
            }
            return "cannot listen on \(address) (\(proto)): address already in use (stop the other server, pick another port, or use port 0 for a free one)"
        case let .listenFailed(address, proto, reason):
            return "cannot listen on \(address) (\(proto)): \(reason)"
        case let .connectionRefused(op, proto, local, remote):
            let path = local.map { "\($0)->\(remote)" } ?? remote
            return "\(op) \(proto) \(path): connection refused (is a server listening on \(remote)? start one with: kpath echo server --proto \(proto) --listen \(remote))"
        case let .timeout(op, proto, local, remote):
            return "\(op) \(proto) \(local)->\(remote): i/o timeout"
        case let .connectionClosed(proto, local, remote, received, expected):
            return "read \(proto) \(local)->\(remote): connection closed by the server after \(received) of \(expected) bytes"
        case let .socketFailed(op, proto, local, remote, reason):
            var path = ""
            switch (local, remote) {
            case let (l?, r?): path = " \(l)->\(r)"
            case let (nil, r?): path = " \(r)"
            case let (l?, nil): path = " \(l)"
            case (nil, nil): path = ""
            }
            return "\(op) \(proto)\(path): \(reason)"
        case .cancelled:
            return "cancelled"
        case let .commandNotFound(name):
            return "command not found: \(quotedText(name).dropFirst().dropLast())"
        case let .spawnFailed(what, reason):
            return "cannot start \(what): \(reason)"
        case let .notRunning(role, pid, status):
            return "the \(role) (pid \(pid)) exited with status \(status) before it was released"
        }
    }
}

/// User input in an error message: in quotes, control characters escaped,
/// so the message stays one line (KernelInfo's `quoted`, which Workload cannot import).
func quotedText(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        default:
            if u.value < 0x20 || u.value == 0x7f || (0x80..<0xa0).contains(u.value) || u == "\u{2028}" || u == "\u{2029}" {
                out += "\\u{\(String(u.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    return out + "\""
}

// MARK: - Socket addresses

/// A sockaddr_in / sockaddr_in6 / sockaddr_un in a sockaddr_storage.
struct SocketAddress {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)

    init() {}

    init(_ pointer: UnsafePointer<sockaddr>, length: socklen_t) {
        self.length = min(length, socklen_t(MemoryLayout<sockaddr_storage>.size))
        withUnsafeMutableBytes(of: &storage) { dst in
            dst.copyMemory(from: UnsafeRawBufferPointer(start: pointer, count: Int(self.length)))
        }
    }

    var family: Int32 { Int32(storage.ss_family) }

    func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> T) rethrows -> T {
        try withUnsafePointer(to: storage) { raw in
            try raw.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, length) }
        }
    }

    mutating func withMutableSockaddr<T>(_ body: (UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) throws -> T) rethrows -> T {
        length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        var len = length
        defer { length = len }
        return try withUnsafeMutablePointer(to: &storage) { raw in
            try raw.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, &len) }
        }
    }

    /// Numeric form (inet_ntop: no syscall).
    var echoAddress: EchoAddress {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        return withUnsafePointer(to: storage) { raw -> EchoAddress in
            switch Int32(storage.ss_family) {
            case AF_INET:
                return raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    var addr = sin.pointee.sin_addr
                    inet_ntop(AF_INET, &addr, &buffer, socklen_t(buffer.count))
                    return EchoAddress(host: String(cString: buffer), port: UInt16(bigEndian: sin.pointee.sin_port))
                }
            case AF_INET6:
                return raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    var addr = sin6.pointee.sin6_addr
                    inet_ntop(AF_INET6, &addr, &buffer, socklen_t(buffer.count))
                    return EchoAddress(host: String(cString: buffer), port: UInt16(bigEndian: sin6.pointee.sin6_port))
                }
            case AF_UNIX:
                return raw.withMemoryRebound(to: UInt8.self, capacity: MemoryLayout<sockaddr_storage>.size) { bytes in
                    // sun_path follows the 2-byte family; its length is what the kernel returned.
                    let pathStart = 2
                    let n = max(0, Int(length) - pathStart)
                    if n == 0 { return EchoAddress(path: "") }
                    let path = UnsafeBufferPointer(start: bytes + pathStart, count: n)
                    if path[0] == 0 {
                        return EchoAddress(path: "@" + String(decoding: path.dropFirst().prefix { $0 != 0 }, as: UTF8.self))
                    }
                    return EchoAddress(path: String(decoding: path.prefix { $0 != 0 }, as: UTF8.self))
                }
            default:
                return EchoAddress(host: "?", port: 0)
            }
        }
    }

    /// A sockaddr_un for a path, or for "@name" in the abstract namespace
    /// (a leading NUL, no trailing one: the length says where it ends).
    init(unixPath path: String) {
        var bytes = Array(path.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 } else { bytes.append(0) }
        storage.ss_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &storage) { raw in
            for (i, b) in bytes.prefix(108).enumerated() { raw[2 + i] = b }
        }
        length = socklen_t(2 + min(bytes.count, 108))
    }
}

/// getaddrinfo(3) for one address: the first IPv4 result if there is one
/// (as Go's ResolveUDPAddr prefers), else the first result.
/// A Unix address needs no lookup: its sockaddr_un is built here.
func resolve(_ address: EchoAddress, proto: EchoProto, passive: Bool) throws -> SocketAddress {
    if let path = address.path {
        guard proto.isUnix else { throw WorkloadError.malformedAddress(path, reason: "a socket path is for unix or unixgram, not \(proto)") }
        return SocketAddress(unixPath: path)
    }
    if proto.isUnix { throw WorkloadError.malformedAddress(address.description, reason: "unix and unixgram take a socket path (e.g. /tmp/echo.sock or @name)") }
    var hints = addrinfo()
    hints.ai_family = proto.family
    hints.ai_socktype = proto.socketType
    hints.ai_flags = passive ? AI_PASSIVE : 0
    var result: UnsafeMutablePointer<addrinfo>?
    let rc = getaddrinfo(address.host, String(address.port), &hints, &result)
    guard rc == 0, let first = result else {
        let reason = rc == EAI_SYSTEM ? errnoText(errno) : String(cString: gai_strerror(rc)).lowercasedFirst
        throw WorkloadError.unknownHost(address.host, reason: reason)
    }
    defer { freeaddrinfo(result) }
    var chosen = first
    var cursor: UnsafeMutablePointer<addrinfo>? = first
    while let entry = cursor {
        if entry.pointee.ai_family == AF_INET { chosen = entry; break }
        cursor = entry.pointee.ai_next
    }
    return SocketAddress(chosen.pointee.ai_addr, length: chosen.pointee.ai_addrlen)
}

/// getsockname(2): only called on error paths (for the "L->R" in messages).
func localAddressText(_ fd: Int32) -> String {
    var local = SocketAddress()
    let rc = local.withMutableSockaddr { getsockname(fd, $0, $1) }
    return rc == 0 ? local.echoAddress.description : "?"
}

extension String {
    var lowercasedFirst: String {
        guard let first, first.isUppercase, dropFirst().first?.isLowercase ?? true else { return self }
        return first.lowercased() + dropFirst()
    }
}
