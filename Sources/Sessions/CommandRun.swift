import FoundationEssentials
import Glibc
import KernelInfo
import Probes
import Workload

/// One `compare --run NAME=CMD`: a name for the columns and the command's
/// words, split as a shell would split them (quotes group, backslash escapes;
/// no variables, globs, pipes or redirections: for those, `sh -c '...'`).
public struct NamedCommand: Codable, Sendable, Equatable {
    public var name: String
    public var words: [String]
    public init(name: String, words: [String]) { self.name = name; self.words = words }

    /// "cat=cat /etc/hostname" -> cat, ["cat", "/etc/hostname"]; one line of
    /// what is wrong otherwise.
    public static func parse(_ spec: String) throws -> NamedCommand {
        guard let eq = spec.firstIndex(of: "=") else {
            throw SessionError.badArgument("--run \(quoted(spec)) has no \"=\": write --run NAME=CMD, e.g. --run cat='cat /etc/hostname'")
        }
        let name = String(spec[..<eq]), command = String(spec[spec.index(after: eq)...])
        if name.isEmpty {
            throw SessionError.badArgument("--run \(quoted(spec)): the name before \"=\" is empty; write --run NAME=CMD, e.g. --run cat='cat /etc/hostname'")
        }
        if !name.unicodeScalars.allSatisfy({ ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "_.-".unicodeScalars.contains($0) }) {
            throw SessionError.badArgument("--run name \(quoted(name)) may hold only letters, digits, \"_\", \".\" and \"-\" (it heads the report's columns)")
        }
        let words = try split(command, spec: spec)
        if words.isEmpty {
            throw SessionError.badArgument("--run \(quoted(spec)): the command after \"=\" is empty; write --run \(name)='CMD ARGS'")
        }
        return NamedCommand(name: name, words: words)
    }

    /// Every --run of one command line: at least two, names unique.
    public static func parseAll(_ specs: [String]) throws -> [NamedCommand] {
        let commands = try specs.map(parse)
        var seen: Set<String> = []
        for c in commands where !seen.insert(c.name).inserted {
            throw SessionError.badArgument("--run name \(quoted(c.name)) is used twice: give each command its own name")
        }
        if commands.count == 1 {
            throw SessionError.badArgument("compare puts two or more commands side by side: add another --run NAME=CMD (one command alone: `kpath funccount PATTERN -- CMD`)")
        }
        return commands
    }

    /// Shell-like words: blanks separate, '...' is literal, "..." and a
    /// backslash escape the next character.
    static func split(_ s: String, spec: String) throws -> [String] {
        var words: [String] = [], word = "", inWord = false
        var quote: Character? = nil, escaped = false
        for ch in s {
            if escaped { word.append(ch); escaped = false; inWord = true; continue }
            if let q = quote {
                if ch == q { quote = nil } else if ch == "\\" && q == "\"" { escaped = true } else { word.append(ch) }
                continue
            }
            switch ch {
            case " ", "\t", "\n":
                if inWord { words.append(word); word = ""; inWord = false }
            case "'", "\"": quote = ch; inWord = true
            case "\\": escaped = true
            default: word.append(ch); inWord = true
            }
        }
        if quote != nil || escaped {
            throw SessionError.badArgument("--run \(quoted(spec)): unterminated quote or trailing backslash in the command")
        }
        if inWord { words.append(word) }
        return words
    }
}

extension ProtocolRun {
    /// As the reports head its columns: "TCP", or a --run command's name.
    public var title: String { name ?? proto.title }
    /// What tells runs apart in ids, anchors and `kpath diff`: "tcp", or the name.
    public var key: String { name ?? proto.rawValue }
}

extension CompareResult {
    /// A `compare --run` result: commands, not protocols (no claims, runs instead of dials).
    public var isCommandRun: Bool { !runs.isEmpty && runs.allSatisfy { $0.proto == .command } }
    /// "dials" or "runs": what `dials` counts.
    public var repetitions: String { isCommandRun ? "runs" : "dials" }
}

extension CompareSession {
    /// --run's default patterns: compare's, and the file-system entry points
    /// most commands go through.
    public static let commandPatterns = defaultPatterns + ["vfs_*", "ksys_*"]

    /// One command, `options.count` times one after another, each started held
    /// (as `-- CMD` is) and tracked with its children as the client role. Its
    /// counts, stacks, syscalls and packets are read back as one run.
    func runCommand(_ c: NamedCommand, tracker: Tracker, counter: FunctionCounter?, packets: PacketRecorder, probes: CompareProbes,
                    progress: (String) -> Void) throws -> (ProtocolRun, [SyscallRecord]) {
        let t0 = Date()
        progress("\(c.name): \(options.count) runs of \(c.words.joined(separator: " "))...")
        let dir = try TempDir()
        var pids: [Int32] = [], exits: [Int32] = [], windows: [(UInt64, UInt64)] = []
        // No port to filter on: the packets sent while a tracked task runs.
        return try collectColumn(.command, trackedOnly: true, roles: [.client], name: c.name, argv: c.words, since: t0,
                                 counter: counter, packets: packets, probes: probes, run: {
            for i in 1...options.count {
                if Interrupt.requested { throw Cancelled() }
                let p = try HeldProcess(executable: c.words[0], arguments: Array(c.words.dropFirst()), role: "command",
                                        output: .fileAndErrors(dir.path + "/run\(i).log"))
                try tracker.track(pid: p.pid, role: .client, fromExec: true)
                let begin = monotonicNs()
                try p.release()
                exits.append(try waitExit(p, timeout: 60, late: "--run \(c.name) did not finish within 60 s; compare commands that end by themselves"))
                windows.append((begin, monotonicNs()))
                pids.append(p.pid)
            }
            return HeldRun(clientPID: pids.first ?? 0, clientExit: exits.first { $0 != 0 } ?? 0,
                           clientOutput: Array(readLines(dir.path + "/run1.log").prefix(200)))
        }, read: { start in
            // Everything collected since the probes were emptied is this command's and its children's.
            let records = probes.syscalls.records().sorted { $0.enterNs < $1.enterNs }
            let calls = records.filter { $0.exitNs > 0 }.map { ($0.enterNs, $0.exitNs, CompareProbes.phaseOf[$0.name] ?? .other) }
            return ColumnReadout(records: records, stacks: probes.commandSamples(),
                                 packets: commandPackets(packets, windows: windows, calls: calls, start: start))
        })
    }

    /// A command's packets: run k is the one whose time window holds it; the
    /// moment is the command's syscall that held it.
    func commandPackets(_ recorder: PacketRecorder, windows: [(UInt64, UInt64)], calls: [PacketPlacement.Call], start: UInt64) -> [DialPacket] {
        recorder.packets.sorted { $0.ns < $1.ns }.map { p in
            let run = (windows.lastIndex { $0.0 <= p.ns } ?? 0) + 1
            let held = calls.filter { $0.enter <= p.ns && p.ns <= $0.exit }
            let phase = (held.first { $0.phase != .other } ?? held.first)?.phase
            return DialPacket(dial: run, phase: phase.map { .during($0) } ?? .betweenSyscalls, duringDial: nil, duringPhase: nil,
                              sender: .client, task: p.comm, inInterrupt: p.inInterrupt, source: p.source, destination: p.destination,
                              flags: p.flags, length: p.length, nsSinceStart: p.ns > start ? p.ns - start : 0,
                              stack: run == 1 ? recorder.stack(p.kstack).map { kallsyms.symbolize($0) } : [])
        }
    }
}

extension CompareProbes {
    /// Every tracked process's stacks since the last clear (a command and its children), as the client's.
    func commandSamples() -> [StackSample] {
        guard let stacks, let raw = try? stacks.samples() else { return [] }
        let symbolizer = StackSymbolizer(kallsyms: kallsyms, targets: stacks.targets)
        return raw.map { s in
            let addrs = symbolizer.trimmed(s.addresses)
            return StackSample(target: stacks.targets[s.target].name, role: .client, phase: s.phase, inInterrupt: s.softirq,
                               count: s.count, firstNs: s.firstNs, frames: addrs.map { kallsyms.symbolize($0) },
                               functions: addrs.map { kallsyms.name($0) ?? "?" })
        }.sorted { ($0.firstNs, $0.target) < ($1.firstNs, $1.target) }
    }
}
