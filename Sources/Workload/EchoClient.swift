// The article's echo client, one syscall per step:
//   getaddrinfo -> socket(2) -> connect(2) -> write(2)
//   -> setsockopt(SO_RCVTIMEO) -> read(2) -> close(2)
import Glibc

/// One step of a client exchange, in order. `call` is what a reader sees in
/// strace (getaddrinfo is a libc call: for a numeric host it makes no syscall).
public enum EchoStep: String, CaseIterable, Sendable {
    case resolve, socket, connect, write, setDeadline, read, close

    public var call: String {
        switch self {
        case .resolve: return "getaddrinfo(3)"
        case .socket: return "socket(2)"
        case .connect: return "connect(2)"
        case .write: return "write(2)"
        case .setDeadline: return "setsockopt(2) SO_RCVTIMEO"
        case .read: return "read(2)"
        case .close: return "close(2)"
        }
    }
}

/// What the client prints, as the article's Go client does.
public enum EchoClientEvent: Sendable, Equatable {
    case written(bytes: Int)
    case received(bytes: Int, from: EchoAddress)

    /// "packet-written: bytes=5" / "packet-received: bytes=5 from=127.0.0.1:9000"
    public var line: String {
        switch self {
        case let .written(bytes): return "packet-written: bytes=\(bytes)"
        case let .received(bytes, from): return "packet-received: bytes=\(bytes) from=\(from)"
        }
    }
}

/// One resolve-dial-write-read-close cycle.
public struct EchoExchange: Sendable, Equatable {
    public var bytesWritten: Int
    public var bytesReceived: Int
    /// The address the echo came from (the connected peer).
    public var from: EchoAddress
    /// Whether the echo's bytes equal the message.
    public var matched: Bool
    /// Wall time of the whole cycle.
    public var seconds: Double
}

public struct EchoClientResult: Sendable {
    public var exchanges: [EchoExchange]
    /// The bytes of the last echo received.
    public var lastEcho: [UInt8]
    public var elapsed: Double
    public var allMatched: Bool { exchanges.allSatisfy(\.matched) }
}

/// Cancels a running client (or stands for "stop" in general): sets a flag
/// and shuts down the socket in use, which wakes a blocked connect/read.
public final class EchoCancellation: @unchecked Sendable {
    private let lock = Mutex()
    private var cancelled = false
    private var fds: Set<Int32> = []

    public init() {}

    public var isCancelled: Bool { lock.withLock { cancelled } }

    public func cancel() {
        lock.withLock {
            cancelled = true
            for fd in fds { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    /// false when already cancelled.
    func register(_ fd: Int32) -> Bool {
        lock.withLock {
            if cancelled { return false }
            fds.insert(fd)
            return true
        }
    }

    func unregister(_ fd: Int32) {
        lock.withLock { _ = fds.remove(fd) }
    }
}

/// The article's client for UDP and TCP.
public struct EchoClient: Sendable {
    public var proto: EchoProto
    public var target: EchoAddress
    public var message: [UInt8]
    /// How many times the whole resolve-dial-write-read-close runs.
    public var count: Int
    /// Read deadline in seconds (SO_RCVTIMEO).
    public var timeout: Double

    public init(proto: EchoProto, to target: EchoAddress, message: [UInt8] = Array("hello".utf8),
                count: Int = 1, timeout: Double = 5) {
        self.proto = proto
        self.target = target
        self.message = message
        self.count = count
        self.timeout = timeout
    }

    /// Checks message size, count and timeout (no syscalls).
    public func validate() throws {
        if message.isEmpty { throw WorkloadError.emptyMessage }
        let limit = proto.maxMessage
        if message.count > limit {
            throw WorkloadError.messageTooLarge(bytes: message.count, limit: limit, proto: proto)
        }
        if count < 1 { throw WorkloadError.invalidCount(count) }
        if !(timeout > 0) || timeout.isNaN { throw WorkloadError.invalidTimeout(timeout) }
        if proto.isUnix != (target.path != nil) {
            throw WorkloadError.malformedAddress(target.description, reason: proto.isUnix
                ? "unix and unixgram take a socket path (e.g. /tmp/echo.sock or @name)" : "\(proto) takes HOST:PORT")
        }
        if !proto.isUnix, target.port == 0 { throw WorkloadError.portOutOfRange("0", lowest: 1) }
    }

    /// Runs `count` exchanges. `beforeStep` runs before each syscall step
    /// (for --pause-between); `onEvent` gets the lines to print, in order.
    /// Throws `WorkloadError` (`.cancelled` after `cancellation.cancel()`).
    public func run(cancellation: EchoCancellation? = nil,
                    beforeStep: ((EchoStep) -> Void)? = nil,
                    onEvent: ((EchoClientEvent) -> Void)? = nil) throws -> EchoClientResult {
        try validate()
        if proto.isStream { ignoreSIGPIPE() }
        let start = monotonicSeconds()
        var buffer = [UInt8](repeating: 0, count: proto.isStream ? message.count : 65_536)
        var exchanges: [EchoExchange] = []
        exchanges.reserveCapacity(min(count, 1 << 16))
        var lastReceived = 0
        for _ in 0..<count {
            if cancellation?.isCancelled == true { throw WorkloadError.cancelled }
            let exchange = try exchangeOnce(buffer: &buffer, cancellation: cancellation,
                                            beforeStep: beforeStep, onEvent: onEvent)
            lastReceived = exchange.bytesReceived
            exchanges.append(exchange)
        }
        return EchoClientResult(exchanges: exchanges, lastEcho: Array(buffer[0..<lastReceived]),
                                elapsed: monotonicSeconds() - start)
    }

    /// One resolve-dial-write-read-close. `buffer` holds at least
    /// message.count bytes (65536 for UDP).
    func exchangeOnce(buffer: inout [UInt8], cancellation: EchoCancellation?,
                      beforeStep: ((EchoStep) -> Void)?,
                      onEvent: ((EchoClientEvent) -> Void)?) throws -> EchoExchange {
        let started = monotonicSeconds()
        beforeStep?(.resolve)
        let remote = try resolve(target, proto: proto, passive: false)
        let remoteAddress = remote.echoAddress
        let remoteText = remoteAddress.description

        beforeStep?(.socket)
        let fd = socket(remote.family, proto.socketType | sockCloexec, 0)
        guard fd >= 0 else {
            throw WorkloadError.socketFailed(op: "socket", proto: proto, local: nil, remote: nil, reason: errnoText(errno))
        }
        if let cancellation, !cancellation.register(fd) {
            close(fd)
            throw WorkloadError.cancelled
        }
        var closed = false
        defer {
            if !closed {
                cancellation?.unregister(fd)
                close(fd)
            }
        }
        func failure(_ op: String, _ code: Int32, local: Bool) -> WorkloadError {
            if cancellation?.isCancelled == true { return .cancelled }
            let localText = local ? localAddressText(fd) : nil
            if code == ECONNREFUSED {
                return .connectionRefused(op: op, proto: proto, local: localText, remote: remoteText)
            }
            if code == EAGAIN || code == EWOULDBLOCK {
                return .timeout(op: op, proto: proto, local: localText ?? localAddressText(fd), remote: remoteText)
            }
            return .socketFailed(op: op, proto: proto, local: localText, remote: remoteText, reason: errnoText(code))
        }

        if proto == .unixgram, bindForReplies(fd) != 0 {
            throw failure("bind", errno, local: false)
        }

        // Dial. For UDP, connect(2) only fixes the peer: nothing is sent.
        beforeStep?(.connect)
        let connected = remote.withSockaddr { connect(fd, $0, $1) }
        if connected != 0 { throw failure("dial", errno, local: false) }

        // Write the whole message: one write(2) (TCP: more only if short).
        beforeStep?(.write)
        var written = 0
        while written < message.count {
            let n = message.withUnsafeBytes { raw in
                write(fd, raw.baseAddress! + written, raw.count - written)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("write", errno, local: true)
            }
            written += n
            if !proto.isStream { break }
        }
        onEvent?(.written(bytes: written))

        // The read deadline, then one blocking read(2).
        beforeStep?(.setDeadline)
        let deadline = monotonicSeconds() + timeout
        if setSocketTimeout(fd, SO_RCVTIMEO, seconds: timeout) != 0 {
            throw failure("setsockopt", errno, local: true)
        }
        beforeStep?(.read)
        var received = 0
        let want = proto.isStream ? message.count : buffer.count
        while true {
            let n = buffer.withUnsafeMutableBytes { raw in
                read(fd, raw.baseAddress! + received, want - received)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("read", errno, local: true)
            }
            if n == 0 {
                if cancellation?.isCancelled == true { throw WorkloadError.cancelled }
                if proto.isStream {
                    throw WorkloadError.connectionClosed(proto: proto, local: localAddressText(fd), remote: remoteText,
                                                         received: received, expected: message.count)
                }
            }
            received += n
            if !proto.isStream || received >= message.count { break }
            // TCP echo arriving in pieces: keep the one deadline.
            let remaining = deadline - monotonicSeconds()
            if remaining <= 0 {
                throw WorkloadError.timeout(op: "read", proto: proto, local: localAddressText(fd), remote: remoteText)
            }
            setSocketTimeout(fd, SO_RCVTIMEO, seconds: remaining)
        }
        onEvent?(.received(bytes: received, from: remoteAddress))

        beforeStep?(.close)
        cancellation?.unregister(fd)
        close(fd)
        closed = true

        let matched = received == message.count && buffer.withUnsafeBytes { raw in
            message.withUnsafeBytes { memcmp(raw.baseAddress!, $0.baseAddress!, received) == 0 }
        }
        return EchoExchange(bytesWritten: written, bytesReceived: received, from: remoteAddress,
                            matched: matched, seconds: monotonicSeconds() - started)
    }
}

/// A Unix datagram client must have an address of its own, or the server's
/// sendto(2) has nowhere to send the echo (an unbound AF_UNIX datagram
/// socket is not autobound by connect, unlike UDP's ephemeral port). bind(2)
/// with only the family autobinds an abstract name ("@" + 5 hex digits):
/// nothing on the filesystem to remove afterwards. One extra syscall, bind.
func bindForReplies(_ fd: Int32) -> Int32 {
    var family = sockaddr()
    family.sa_family = sa_family_t(AF_UNIX)
    return bind(fd, &family, socklen_t(MemoryLayout<sa_family_t>.size))
}
