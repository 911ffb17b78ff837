// `kpath echo server|client|bench`: the article's echo workload on plain
// POSIX sockets (Sources/Workload), for UDP and TCP. Bad input is one line
// on stderr, `kpath: error: ...`, and exit status 1.
import ArgumentParser
import Glibc
import Reports
import Workload

struct EchoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "echo",
        abstract: "The article's echo client and server (UDP or TCP, over IPv4 or IPv6, or Unix sockets), on plain POSIX sockets.",
        discussion: """
            Each step is one visible syscall: getaddrinfo, socket(2), connect(2), write(2), \
            setsockopt(2) SO_RCVTIMEO, read(2), close(2); the server loops recvfrom(2)/sendto(2) \
            (UDP) or accept4(2) + read(2)/write(2) per connection (TCP). Protocols: tcp, udp \
            (IPv4, as the article), tcp6, udp6 (IPv6), unix (SOCK_STREAM) and unixgram (SOCK_DGRAM) \
            on a socket path or an abstract @name.
            """,
        subcommands: [Server.self, Client.self, Bench.self])
}

extension EchoCommand {
    /// A line on stdout as one write(2) to fd 1: unbuffered (the output may
    /// be a file a session reads while we run), no stdio set-up syscalls
    /// between the socket steps, whole lines even from several threads.
    fileprivate static func emit(_ line: String) {
        var bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(1, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }

    /// Prints `kpath: error: MESSAGE` and returns the exit code to throw.
    fileprivate static func failure(_ error: Error) -> ExitCode {
        fflush(stdout)
        fputs("kpath: error: \(error)\n", stderr)
        return ExitCode(1)
    }

    struct Server: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Echo every datagram (UDP) or connection (TCP) back to its sender.",
            discussion: """
                Prints `listening on HOST:PORT (PROTO)`, then per datagram \
                `packet-received: bytes=N from=ADDR` and `packet-written: bytes=N to=ADDR`. \
                Ctrl-C or SIGTERM prints `cancelled` and exits 0.
                """)

        @Option(help: "udp, tcp, udp6, tcp6, unix or unixgram.")
        var proto: String = "udp"

        @Option(help: ArgumentHelp("""
            Address to listen on; port 0 picks a free port. PORT alone means 127.0.0.1:PORT ([::1]:PORT for tcp6/udp6). \
            unix/unixgram: a socket path (removed when the server stops) or @name (abstract). \
            Default: 127.0.0.1:0, [::1]:0, or @kpath-echo-PID.
            """, valueName: "address"))
        var listen: String?

        @Option(help: "Write deadline in seconds (SO_SNDTIMEO).")
        var writeTimeout: Double = 5

        @Flag(help: "Print NDJSON, one event per line (docs/json.md).")
        var json = false

        mutating func run() throws {
            let proto: EchoProto
            let address: EchoAddress
            do {
                proto = try EchoProto(parsing: self.proto)
                address = try EchoAddress(parsing: listen ?? proto.defaultListen, for: proto, listening: true)
                if !(writeTimeout > 0) { throw WorkloadError.invalidTimeout(writeTimeout) }
            } catch {
                throw EchoCommand.failure(error)
            }
            signal(SIGPIPE, SIG_IGN)
            // Block SIGINT/SIGTERM before any thread exists; a sigwait thread stops the server.
            let signals = SignalWatcher(signals: [SIGINT, SIGTERM])
            let server: EchoServer
            do {
                let json = self.json
                server = try EchoServer(proto: proto, listen: address, writeTimeout: writeTimeout) { event in
                    if case .failed = event {
                        fputs("kpath: \(event.line)\n", stderr)
                    } else {
                        EchoCommand.emit(json ? EchoEventJSON.server(event) ?? "" : event.line)
                    }
                }
            } catch {
                throw EchoCommand.failure(error)
            }
            EchoCommand.emit(json ? EchoEventJSON.line("listening", EchoEventJSON(address: "\(server.localAddress)", proto: "\(proto)"))
                                  : "listening on \(server.localAddress) (\(proto))")
            signals.start { _ in server.stop() }
            do {
                try server.serve()
            } catch {
                throw EchoCommand.failure(error)
            }
            if server.isStopped {
                EchoCommand.emit(json ? EchoEventJSON.line("cancelled") : "cancelled")
            }
        }
    }

    struct Client: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a message to an echo server and read the echo back.",
            discussion: """
                Per run: resolve, dial (socket + connect; for UDP connect only fixes the peer), \
                write, set the read deadline, read, close; prints `packet-written: bytes=N` and \
                `packet-received: bytes=N from=ADDR`. Without --message, text piped on stdin is \
                sent (else "hello"; a client started held by a trace session ignores stdin unless --message -). A read past its deadline fails with \
                `read udp LOCAL->REMOTE: i/o timeout`. Ctrl-C prints `cancelled` (exit 130).
                """)

        @Option(help: "udp, tcp, udp6, tcp6, unix or unixgram.")
        var proto: String = "udp"

        @Option(help: ArgumentHelp("Server address, e.g. 127.0.0.1:9000, localhost:9000, [::1]:9000; for unix/unixgram a socket path or @name.",
                                   valueName: "address"))
        var to: String

        @Option(help: "The message (default: stdin when piped, else \"hello\"; - reads stdin).")
        var message: String?

        @Option(help: "Repeat the whole resolve-dial-write-read-close N times.")
        var count: Int = 1

        @Option(help: "Read deadline in seconds (SO_RCVTIMEO).")
        var timeout: Double = 5

        @Flag(help: "Print NDJSON, one event per line (docs/json.md).")
        var json = false

        @Flag(help: "Before each step, print `[kpath] next: connect(2) — press Enter` (on stderr) and wait for Enter.")
        var pauseBetween = false

        mutating func run() throws {
            // Signals first: Ctrl-C while waiting for stdin also prints `cancelled`.
            signal(SIGPIPE, SIG_IGN)
            let signals = SignalWatcher(signals: [SIGINT, SIGTERM])
            let cancellation = EchoCancellation()
            let cancelled = json ? EchoEventJSON.line("cancelled") : "cancelled"
            signals.start { _ in
                cancellation.cancel()
                // The main thread prints `cancelled` and exits; if it is stuck
                // where a shutdown cannot reach (stdin, DNS, waiting for Enter), do it here.
                usleep(500_000)
                EchoCommand.emit(cancelled)
                _exit(130)
            }
            var messageFromStdin = false
            let client: EchoClient
            do {
                let proto = try EchoProto(parsing: self.proto)
                let target = try EchoAddress(parsing: to, for: proto, listening: false)
                var bytes = Array("hello".utf8)
                if message == "-" || (message == nil && Client.stdinIsPipeOrFile()) {
                    let piped = Client.readStdin()
                    messageFromStdin = true
                    if !piped.isEmpty || message == "-" { bytes = piped }
                } else if let message {
                    bytes = Array(message.utf8)
                }
                client = EchoClient(proto: proto, to: target, message: bytes, count: count, timeout: timeout)
                try client.validate()
            } catch {
                throw EchoCommand.failure(error)
            }
            var pause: ((EchoStep) -> Void)?
            if pauseBetween {
                let input: UnsafeMutablePointer<FILE>? = messageFromStdin ? fopen("/dev/tty", "r") : stdin
                var waiting = input != nil
                pause = { step in
                    fputs("[kpath] next: \(step.call) — press Enter\n", stderr)
                    guard waiting, let input else { return }
                    var line: UnsafeMutablePointer<CChar>?
                    var capacity = 0
                    if getline(&line, &capacity, input) < 0 { waiting = false }
                    free(line)
                }
            }
            do {
                let json = self.json
                let result = try client.run(cancellation: cancellation, beforeStep: pause) { event in
                    EchoCommand.emit(json ? EchoEventJSON.client(event) : event.line)
                }
                if !result.allMatched {
                    fputs("kpath: warning: an echo differed from the message sent\n", stderr)
                }
            } catch WorkloadError.cancelled {
                EchoCommand.emit(cancelled)
                throw ExitCode(130)
            } catch {
                throw EchoCommand.failure(error)
            }
        }

        /// Read the message from stdin only when it is a pipe or a file (not
        /// a terminal, /dev/null or a socket), and not when started by a trace
        /// session (HeldProcess sets KPATH_HELD): the session's stdin is not ours.
        private static func stdinIsPipeOrFile() -> Bool {
            if getenv(HeldProcess.environmentMarker) != nil { return false }
            var st = stat()
            guard fstat(0, &st) == 0 else { return false }
            let kind = st.st_mode & 0o170000
            return kind == 0o010000 || kind == 0o100000
        }

        private static func readStdin() -> [UInt8] {
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress!, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                bytes += chunk[0..<n]
                if bytes.count > 64 << 20 { break }
            }
            return bytes
        }
    }

    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Echoes per second on loopback against an in-process server thread.",
            discussion: """
                Measures round trips on one connected socket (write + read) and full dials \
                (resolve + socket + connect + write + setsockopt + read + close), each for --seconds.
                """)

        @Option(help: "udp, tcp, udp6, tcp6, unix or unixgram.")
        var proto: String = "udp"

        @Option(help: "Seconds per measurement.")
        var seconds: Double = 2

        @Option(help: "The message.")
        var message: String = "hello"

        @Flag(help: "Print the measurements as one JSON document (docs/json.md).")
        var json = false

        mutating func run() throws {
            do {
                let proto = try EchoProto(parsing: self.proto)
                let bench = EchoBench(proto: proto, seconds: seconds, message: Array(message.utf8))
                let rows = try bench.run()
                if json {
                    EchoCommand.emit(String(try JSONReport.document(EchoBenchJSON(bench, rows)).dropLast()))
                    return
                }
                let over = proto.isUnix ? "on an abstract Unix socket" : proto == .tcp6 || proto == .udp6 ? "on loopback (::1)" : "on loopback (127.0.0.1)"
                EchoCommand.emit("kpath echo bench: \(proto) \(over), in-process server thread, "
                                 + "\(seconds) s per measure, \(bench.message.count)-byte message")
                EchoCommand.emit(EchoBench.table(rows, proto: proto))
            } catch {
                throw EchoCommand.failure(error)
            }
        }
    }
}
