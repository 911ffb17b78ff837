import Reports
import Workload

// The --json forms of the commands whose values live below Sessions (the
// workload) or in the command itself (funccount --list); docs/json.md.

/// `funccount --list --json`.
struct FunctionList: Encodable {
    var patterns: [String]
    var regex: Bool
    var functions: [String]
}

/// One line of `echo client --json` / `echo server --json` (NDJSON): the
/// event the text line names, as `type`, with its fields.
struct EchoEventJSON: Encodable {
    var bytes: Int?
    var from: String?
    var to: String?
    var address: String?
    var proto: String?

    /// Without its newline: EchoCommand.emit adds it.
    static func line(_ type: String, _ e: EchoEventJSON = EchoEventJSON()) -> String {
        String(((try? JSONReport.line(type, e)) ?? "\n").dropLast())
    }

    static func client(_ e: EchoClientEvent) -> String {
        switch e {
        case let .written(bytes): return line("packet-written", EchoEventJSON(bytes: bytes))
        case let .received(bytes, from): return line("packet-received", EchoEventJSON(bytes: bytes, from: "\(from)"))
        }
    }

    /// nil for failures: those stay one line on stderr.
    static func server(_ e: EchoServerEvent) -> String? {
        switch e {
        case let .accepted(from): return line("connection-accepted", EchoEventJSON(from: "\(from)"))
        case let .received(bytes, from): return line("packet-received", EchoEventJSON(bytes: bytes, from: "\(from)"))
        case let .written(bytes, to): return line("packet-written", EchoEventJSON(bytes: bytes, to: "\(to)"))
        case let .closed(from): return line("connection-closed", EchoEventJSON(from: "\(from)"))
        case .failed: return nil
        }
    }
}

/// `echo bench --json`.
struct EchoBenchJSON: Encodable {
    struct Row: Encodable {
        var measure: String
        var operation: String
        var operations: Int
        var seconds: Double
        var perSecond: Double
        var microsecondsPerOperation: Double
    }
    var proto: String
    var secondsPerMeasure: Double
    var messageBytes: Int
    var rows: [Row]

    init(_ bench: EchoBench, _ rows: [EchoBenchRow]) {
        proto = "\(bench.proto)"
        secondsPerMeasure = bench.seconds
        messageBytes = bench.message.count
        self.rows = rows.map {
            Row(measure: $0.measure, operation: $0.operation, operations: $0.operations, seconds: $0.seconds,
                perSecond: $0.perSecond, microsecondsPerOperation: $0.microsecondsPerOperation)
        }
    }
}
