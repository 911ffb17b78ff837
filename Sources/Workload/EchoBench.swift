// `kpath echo bench`: how many echoes per second loopback does, against an
// in-process server thread. Later the baseline for probe overhead.
import Glibc

public struct EchoBenchRow: Sendable, Equatable {
    /// e.g. "round trips, one connected socket"
    public var measure: String
    /// The syscalls one operation makes, for the table.
    public var operation: String
    public var operations: Int
    public var seconds: Double
    public var perSecond: Double { seconds > 0 ? Double(operations) / seconds : 0 }
    public var microsecondsPerOperation: Double { operations > 0 ? seconds * 1e6 / Double(operations) : 0 }
}

public struct EchoBench: Sendable {
    public var proto: EchoProto
    /// Seconds per measurement.
    public var seconds: Double
    public var message: [UInt8]

    public init(proto: EchoProto, seconds: Double = 2, message: [UInt8] = Array("hello".utf8)) {
        self.proto = proto
        self.seconds = seconds
        self.message = message
    }

    /// Runs both measurements against a server on 127.0.0.1:0 ([::1]:0 for
    /// tcp6/udp6, an abstract @name for Unix sockets) in this process: round trips on one connected socket (write+read), then full
    /// dials (resolve+socket+connect+write+setsockopt+read+close).
    public func run() throws -> [EchoBenchRow] {
        if !(seconds > 0) || !seconds.isFinite { throw WorkloadError.invalidDuration(seconds) }
        let server = try EchoServer(proto: proto, listen: EchoAddress(parsing: proto.defaultListen, for: proto, listening: true))
        guard let thread = startThread({ try? server.serve() }) else {
            throw WorkloadError.spawnFailed("the bench server thread", reason: "pthread_create failed")
        }
        defer {
            server.stop()
            pthread_join(thread, nil)
        }
        let client = EchoClient(proto: proto, to: server.localAddress, message: message, count: 1, timeout: 2)
        try client.validate()
        return [try roundTrips(client), try dials(client)]
    }

    private func roundTrips(_ client: EchoClient) throws -> EchoBenchRow {
        let remote = try resolve(client.target, proto: proto, passive: false)
        let fd = socket(remote.family, proto.socketType | sockCloexec, 0)
        guard fd >= 0 else {
            throw WorkloadError.socketFailed(op: "socket", proto: proto, local: nil, remote: nil, reason: errnoText(errno))
        }
        defer { close(fd) }
        if proto == .unixgram, bindForReplies(fd) != 0 {
            throw WorkloadError.socketFailed(op: "bind", proto: proto, local: nil, remote: nil, reason: errnoText(errno))
        }
        if remote.withSockaddr({ connect(fd, $0, $1) }) != 0 {
            throw WorkloadError.socketFailed(op: "dial", proto: proto, local: nil, remote: client.target.description,
                                             reason: errnoText(errno))
        }
        setSocketTimeout(fd, SO_RCVTIMEO, seconds: 2)
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let (operations, elapsed) = try repeatedFor(seconds) {
            let w = message.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
            if w != message.count {
                throw WorkloadError.socketFailed(op: "write", proto: proto, local: localAddressText(fd),
                                                 remote: client.target.description, reason: errnoText(errno))
            }
            var got = 0
            while got < message.count {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, $0.count - got) }
                if n <= 0 {
                    let code = n == 0 ? ECONNRESET : errno
                    if code == EAGAIN || code == EWOULDBLOCK {
                        throw WorkloadError.timeout(op: "read", proto: proto, local: localAddressText(fd),
                                                    remote: client.target.description)
                    }
                    throw WorkloadError.socketFailed(op: "read", proto: proto, local: localAddressText(fd),
                                                     remote: client.target.description, reason: errnoText(code))
                }
                got += n
                if !proto.isStream { break }
            }
        }
        return EchoBenchRow(measure: "round trips, one connected socket", operation: "write+read",
                            operations: operations, seconds: elapsed)
    }

    private func dials(_ client: EchoClient) throws -> EchoBenchRow {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let (operations, elapsed) = try repeatedFor(seconds) {
            _ = try client.exchangeOnce(buffer: &buffer, cancellation: nil, beforeStep: nil, onEvent: nil)
        }
        return EchoBenchRow(measure: "full dials", operation: "resolve+socket+connect+write+setsockopt+read+close",
                            operations: operations, seconds: elapsed)
    }

    /// Runs `operation` until `seconds` have passed: how many times, in how long.
    private func repeatedFor(_ seconds: Double, _ operation: () throws -> Void) throws -> (operations: Int, seconds: Double) {
        let start = monotonicSeconds()
        var operations = 0
        var now = start
        while now < start + seconds {
            try operation()
            operations += 1
            now = monotonicSeconds()
        }
        return (operations, now - start)
    }

    /// A small fixed-width table of the rows.
    public static func table(_ rows: [EchoBenchRow], proto: EchoProto) -> String {
        func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
            let fill = String(repeating: " ", count: max(0, width - s.count))
            return right ? fill + s : s + fill
        }
        func fixed(_ value: Double, _ decimals: Int) -> String {
            var scale = 1.0
            for _ in 0..<decimals { scale *= 10 }
            let rounded = (value * scale).rounded() / scale
            var text = String(Int(rounded))
            if decimals > 0 {
                let frac = Int(((rounded - Double(Int(rounded))) * scale).rounded())
                let digits = String(frac)
                text += "." + String(repeating: "0", count: max(0, decimals - digits.count)) + digits
            }
            return text
        }
        var lines = [pad("MEASURE (\(proto))", 36) + pad("OPS", 10, right: true) + pad("SECONDS", 10, right: true)
                     + pad("OPS/S", 12, right: true) + pad("US/OP", 10, right: true) + "  ONE OP"]
        for row in rows {
            lines.append(pad(row.measure, 36) + pad(String(row.operations), 10, right: true)
                         + pad(fixed(row.seconds, 2), 10, right: true) + pad(fixed(row.perSecond, 0), 12, right: true)
                         + pad(fixed(row.microsecondsPerOperation, 1), 10, right: true) + "  " + row.operation)
        }
        return lines.joined(separator: "\n")
    }
}
