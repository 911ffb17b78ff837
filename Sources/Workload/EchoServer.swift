// The article's echo server. UDP: a recvfrom/sendto loop answering each
// datagram to the address it came from. TCP: an accept loop, a thread per
// connection echoing read(2) -> write(2) until the peer closes.
import Glibc

/// What the server prints, in the article's form.
public enum EchoServerEvent: Sendable, Equatable {
    case accepted(from: EchoAddress)
    case received(bytes: Int, from: EchoAddress)
    case written(bytes: Int, to: EchoAddress)
    case closed(from: EchoAddress)
    /// A failure on one packet or connection; the server carries on.
    case failed(String)

    public var line: String {
        switch self {
        case let .accepted(from): return "connection-accepted: from=\(from)"
        case let .received(bytes, from): return "packet-received: bytes=\(bytes) from=\(from)"
        case let .written(bytes, to): return "packet-written: bytes=\(bytes) to=\(to)"
        case let .closed(from): return "connection-closed: from=\(from)"
        case let .failed(message): return "error: \(message)"
        }
    }
}

/// An echo server bound at init (so a port in use fails there, and port 0
/// is known at once as `localAddress`), serving on `serve()` until `stop()`.
/// Creating one ignores SIGPIPE process-wide (a client that goes away must
/// not kill the server).
public final class EchoServer: @unchecked Sendable {
    public let proto: EchoProto
    /// The address actually bound (port 0 resolved).
    public let localAddress: EchoAddress
    /// Write deadline in seconds (SO_SNDTIMEO, set once on the socket;
    /// accepted TCP sockets inherit it).
    public let writeTimeout: Double

    private let fd: Int32
    private let onEvent: ((EchoServerEvent) -> Void)?
    private let lock = Mutex()
    private var stopped = false
    private var listenerClosed = false
    private var connections: Set<Int32> = []
    private var activeConnections = 0

    /// - listen: "127.0.0.1:0" style; port 0 picks a free port.
    /// - onEvent: called from the serving threads; must be thread-safe.
    public init(proto: EchoProto, listen: EchoAddress, writeTimeout: Double = 5,
                onEvent: ((EchoServerEvent) -> Void)? = nil) throws {
        if !(writeTimeout > 0) { throw WorkloadError.invalidTimeout(writeTimeout) }
        ignoreSIGPIPE()
        self.proto = proto
        self.writeTimeout = writeTimeout
        self.onEvent = onEvent
        let address = try resolve(listen, proto: proto, passive: true)
        let fd = socket(address.family, proto.socketType | sockCloexec, 0)
        guard fd >= 0 else {
            throw WorkloadError.listenFailed(listen, proto: proto, reason: errnoText(errno))
        }
        func fail(_ code: Int32) -> WorkloadError {
            close(fd)
            switch code {
            case EADDRINUSE: return .addressInUse(listen, proto: proto)
            case EADDRNOTAVAIL:
                return .listenFailed(listen, proto: proto, reason: "\(errnoText(code)) (use an address of this host, e.g. 127.0.0.1)")
            case EACCES:
                return .listenFailed(listen, proto: proto, reason: proto.isUnix ? errnoText(code)
                                     : "\(errnoText(code)) (ports below 1024 need root; pick a higher port)")
            default:
                return .listenFailed(listen, proto: proto, reason: errnoText(code))
            }
        }
        if proto == .tcp || proto == .tcp6 {
            // As Go's listeners: restart without waiting out TIME_WAIT. (Not
            // for UDP, where it would let two servers share the port.)
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        if setSocketTimeout(fd, SO_SNDTIMEO, seconds: writeTimeout) != 0 { throw fail(errno) }
        if address.withSockaddr({ bind(fd, $0, $1) }) != 0 { throw fail(errno) }
        // From here a Unix path is ours: a failure removes the socket file bind made.
        let boundPath = proto.isUnix && !listen.isAbstract ? listen.path : nil
        if proto.isStream, Glibc.listen(fd, SOMAXCONN) != 0 {
            let code = errno
            if let boundPath { unlink(boundPath) }
            throw fail(code)
        }
        var bound = SocketAddress()
        if bound.withMutableSockaddr({ getsockname(fd, $0, $1) }) != 0 {
            let code = errno
            if let boundPath { unlink(boundPath) }
            throw fail(code)
        }
        self.fd = fd
        self.localAddress = bound.echoAddress
    }

    deinit {
        lock.withLock {
            if !listenerClosed { close(fd); removeSocketFile() }
        }
    }

    /// A Unix server's socket file outlives the socket: remove it when the
    /// server stops (serve() returning, on stop() from a signal, or deinit).
    /// An abstract @name needs nothing.
    private func removeSocketFile() {
        if let path = localAddress.path, !path.isEmpty, !localAddress.isAbstract { unlink(path) }
    }

    public var isStopped: Bool { lock.withLock { stopped } }

    /// Open TCP connections right now.
    public var connectionCount: Int { lock.withLock { activeConnections } }

    /// Stops serving: wakes the blocked recvfrom/accept and every
    /// connection's read with shutdown(2); `serve()` then returns.
    public func stop() {
        lock.withLock {
            stopped = true
            if !listenerClosed { shutdown(fd, Int32(SHUT_RDWR)) }
            for c in connections { shutdown(c, Int32(SHUT_RDWR)) }
        }
    }

    /// Serves until `stop()` (then returns normally). Throws on a failure
    /// of the listening socket itself. Call it once.
    public func serve() throws {
        let alreadyClosed = lock.withLock { listenerClosed }
        if alreadyClosed { return }
        defer {
            lock.withLock {
                listenerClosed = true
                close(fd)
                removeSocketFile()
            }
        }
        if proto.isStream { try serveTCP() } else { try serveUDP() }
    }

    private func serveUDP() throws {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var peer = SocketAddress()
        while !isStopped {
            let n = buffer.withUnsafeMutableBytes { raw in
                peer.withMutableSockaddr { recvfrom(fd, raw.baseAddress!, raw.count, 0, $0, $1) }
            }
            if isStopped { return }
            if n < 0 {
                let code = errno
                if code == EINTR { continue }
                throw WorkloadError.socketFailed(op: "read", proto: proto, local: localAddress.description,
                                                 remote: nil, reason: errnoText(code))
            }
            let from = onEvent == nil ? nil : peer.echoAddress
            if let from { onEvent?(.received(bytes: n, from: from)) }
            let w = buffer.withUnsafeBytes { raw in
                peer.withSockaddr { sendto(fd, raw.baseAddress!, n, 0, $0, $1) }
            }
            if w < 0 {
                let code = errno
                if isStopped { return }
                let reason = code == EAGAIN || code == EWOULDBLOCK ? "i/o timeout" : errnoText(code)
                onEvent?(.failed("write \(proto) \(localAddress)->\(from ?? peer.echoAddress): \(reason)"))
                continue
            }
            if let from { onEvent?(.written(bytes: w, to: from)) }
        }
    }

    private func serveTCP() throws {
        while !isStopped {
            var peer = SocketAddress()
            let c = peer.withMutableSockaddr { acceptCloexec(fd, $0, $1) }
            if c < 0 {
                let code = errno
                if isStopped { return }
                switch code {
                case EINTR, ECONNABORTED, EPROTO:
                    continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    onEvent?(.failed("accept \(proto) \(localAddress): \(errnoText(code))"))
                    usleep(10_000)
                    continue
                default:
                    throw WorkloadError.socketFailed(op: "accept", proto: proto, local: localAddress.description,
                                                     remote: nil, reason: errnoText(code))
                }
            }
            let admitted: Bool = lock.withLock {
                if stopped { return false }
                connections.insert(c)
                activeConnections += 1
                return true
            }
            if !admitted {
                close(c)
                return
            }
            let from = peer.echoAddress
            onEvent?(.accepted(from: from))
            if let thread = startThread({ self.echoConnection(c, from: from) }) {
                pthread_detach(thread)
            } else {
                onEvent?(.failed("cannot start a thread for \(from); closing it"))
                finish(c)
            }
        }
    }

    private func finish(_ c: Int32) {
        lock.withLock {
            connections.remove(c)
            activeConnections -= 1
            close(c)
        }
    }

    private func echoConnection(_ c: Int32, from: EchoAddress) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        connection: while true {
            let n = buffer.withUnsafeMutableBytes { raw in read(c, raw.baseAddress!, raw.count) }
            if n == 0 { break }
            if n < 0 {
                let code = errno
                if code == EINTR { continue }
                if !isStopped { onEvent?(.failed("read \(proto) \(localAddress)->\(from): \(errnoText(code))")) }
                break
            }
            onEvent?(.received(bytes: n, from: from))
            var written = 0
            while written < n {
                let w = buffer.withUnsafeBytes { raw in write(c, raw.baseAddress! + written, n - written) }
                if w < 0 {
                    let code = errno
                    if code == EINTR { continue }
                    if !isStopped {
                        let reason = code == EAGAIN || code == EWOULDBLOCK ? "i/o timeout" : errnoText(code)
                        onEvent?(.failed("write \(proto) \(localAddress)->\(from): \(reason)"))
                    }
                    break connection
                }
                written += w
            }
            onEvent?(.written(bytes: written, to: from))
        }
        finish(c)
        onEvent?(.closed(from: from))
    }
}
