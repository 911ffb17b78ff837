import ArgumentParser
import FoundationEssentials
import Glibc
import Probes
import Reports
import Sessions

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "TCP and UDP dials (or IPv6, Unix sockets) side by side: functions per syscall, packets, stacks, and the article's claims checked.",
        discussion: """
        Examples:
          sudo kpath compare tcp udp
          sudo kpath compare tcp udp --count 20 --json > compare.json
          sudo kpath compare tcp udp --save today.json
          sudo kpath compare tcp udp --functions 'tcp_*,udp_*' --side both
          sudo kpath compare tcp udp --functions all
          sudo kpath compare tcp unix
          sudo kpath compare tcp tcp6 udp udp6
          sudo kpath compare --run cat='cat /etc/hostname' --run ls='ls /' --count 5
          sudo kpath compare tcp udp --peer netns --rtt 20ms
        """)

    @Argument(help: "Two or more protocols to compare: tcp, udp, tcp6, udp6 (IPv6 loopback), unix (stream), unixgram (datagram).")
    var protocols: [String] = []

    @Option(name: .customLong("run"), help: ArgumentHelp("Compare commands instead of protocols: NAME=CMD, twice or more (CMD split into words as a shell would; held and run --count times each).", valueName: "NAME=CMD"))
    var runs: [String] = []

    /// The protocols compared: tcp udp unless named.
    var chosen: [String] { protocols.isEmpty ? ["tcp", "udp"] : protocols }

    @Option(name: .shortAndLong, parsing: .unconditional, help: "Dials per protocol.")
    var count: Int = 10

    @Option(help: ArgumentHelp("Function patterns to count (comma-separated globs, attached as given), or 'all' or 'seen'. Default: \(CompareSession.defaultPatterns.joined(separator: ",")) (plus ip6_*, inet6_*, udpv6_* for tcp6/udp6, unix_* for unix/unixgram); where each function is one kprobe (no kprobe.multi: 6.1, 5.10) only those seen in compare's dials ('seen'); 'all': every function they match.", valueName: "PATTERNS|all|seen"))
    var functions: String?

    @Option(help: "Whose kernel work to count: client, server or both.")
    var side: String = "client"

    @OptionGroup var output: CompareRunOptions

    @Flag(help: "Also print each protocol's call trees of connect, write, read and close (kpath graph, merged) and check the claim tcp-connect-tree.")
    var graph = false

    @Option(help: "With --graph: levels of calls shown below each syscall.")
    var depth: Int = 6

    @Option(help: "netns: run the server in a network namespace kpath creates, joined to the client's (another one) by a veth pair; removed with kpath, on any signal.")
    var peer: String?

    @Option(help: "With --peer netns: a round-trip time added on the veth with netem (needs sch_netem), e.g. 20ms; checks the claim tcp-connect-waits-rtt.")
    var rtt: String?

    @Option(help: "Also write the run as JSON to FILE (the --json document), to compare later with `kpath diff`.")
    var save: String?

    func validate() throws {
        if let save { try checkWritable(save) }
        if !runs.isEmpty {
            if !protocols.isEmpty {
                throw ValidationError("give either protocols (`kpath compare tcp udp`) or --run NAME=CMD commands, not both")
            }
            do { _ = try NamedCommand.parseAll(runs) } catch { throw ValidationError("\(error)") }
        }
        let names = Proto.protocols.map(\.rawValue).joined(separator: ", ")
        for p in chosen where Proto(rawValue: p.lowercased()).map({ $0 == .command }) ?? true {
            throw ValidationError("unknown protocol \"\(p)\": kpath compares two or more of \(names) (e.g. `kpath compare tcp udp`)")
        }
        var seen: Set<String> = []
        for p in chosen.map({ $0.lowercased() }) where !seen.insert(p).inserted {
            throw ValidationError("protocol \"\(p)\" is named twice: each protocol once, e.g. `kpath compare tcp udp`")
        }
        // One protocol has nothing to compare and no claim to judge ("0 of 0 claims held").
        if chosen.count < 2 {
            throw ValidationError("compare puts two or more protocols side by side: `kpath compare tcp udp`; for one protocol alone, `kpath funccount 'udp_*' -- kpath echo client --proto udp --to HOST:PORT`")
        }
        if count <= 0 { throw ValidationError("--count must be a positive number of dials, got \(count)") }
        if count > 100_000 { throw ValidationError("--count \(count) is too many; use at most 100000") }
        if CompareSession.Side(rawValue: side) == nil { throw ValidationError("--side must be client, server or both, got \"\(side)\"") }
        if let functions, !["all", "seen"].contains(functions) {
            do { _ = try FunctionPatterns.parse([functions]) } catch { throw ValidationError("\(error)") }
        }
        if functions == "seen" && !runs.isEmpty {
            throw ValidationError("--functions seen is the functions seen in compare's protocol dials; with --run, give patterns or `all`")
        }
        if depth < 1 { throw ValidationError("--depth must be a positive number of levels, got \(depth)") }
        try validatePeer(protocols: protocols.map { Proto(rawValue: $0.lowercased())! })
    }

    /// compare --graph --json: both documents in one.
    struct WithGraph: Encodable {
        var compare: CompareResult
        var graph: CompareGraphResult?
    }

    func run() throws {
        try reportingErrors {
            Interrupt.install()
            var o = CompareSession.Options()
            o.protocols = chosen.map { Proto(rawValue: $0.lowercased())! }
            o.commands = try NamedCommand.parseAll(runs.isEmpty ? [] : runs)
            o.count = count
            // Left at the default (or all/seen), the patterns grow with the protocols (ip6_*, unix_*...); given ones are attached as given.
            let defaults = (o.commands.isEmpty ? CompareSession.defaultPatterns(for: o.protocols) : CompareSession.commandPatterns).joined(separator: ",")
            switch functions {
            case nil: o.patterns = [defaults]; o.functionSet = .auto
            case "all": o.patterns = [defaults]; o.functionSet = .all
            case "seen": o.patterns = [defaults]; o.functionSet = .seen
            case let given?: o.patterns = [given]; o.functionSet = .given
            }
            o.side = CompareSession.Side(rawValue: side)!
            o.backend = output.backend
            o.peerNamespace = peer != nil
            o.rttNs = rtt.flatMap(GraphCommand.parseDuration)
            o.commandLine = (["kpath"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
            let session = try CompareSession(o)
            if session.mode == .tracepoints {
                eprint("kpath: tracepoint mode (degraded): \(session.modeReason ?? "")")
            }
            // The report comes before the counted functions' detach (a grace
            // period per kprobe on 6.1 and 5.10: seconds the user need not wait for).
            let (result, attached) = try session.runKeepingFunctionProbes { eprint("kpath: \($0)") }
            defer {
                if attached.count > 0, attached.backend == .kprobe { eprint("kpath: detaching \(attached.count) kprobes...") }
                attached.detach()
            }
            for line in StackReport.lossLines(result.lost ?? StackLosses()) { eprint(line) }
            var graphResult: CompareGraphResult? = nil
            if graph && !o.commands.isEmpty {
                eprint("kpath: --graph skipped: its call trees are the tcp and udp dials'; for a command's, `kpath graph -- CMD`")
            } else if graph {
                attached.detach()  // the graph's own probes come next
                if session.mode == .tracepoints {
                    eprint("kpath: --graph skipped: call trees need function probes (kprobes), which this kernel refuses")
                } else {
                    graphResult = try CompareGraph.run(protocols: o.protocols.filter { [.tcp, .udp].contains($0) }, count: count, backend: o.backend) { eprint("kpath: \($0)") }
                }
            }
            if output.json {
                out(graph ? try JSONReport.document(WithGraph(compare: result, graph: graphResult)) : try JSONReport.document(result))
            } else {
                out(CompareReport.render(result, color: stdoutWantsColor()))
                if let g = graphResult { out("\n" + GraphReport.renderCompare(g, pruning: .init(depth: depth))) }
            }
            // SIGINT/SIGTERM while stdout was blocked: the report was cut short.
            if stdoutAbandoned && Interrupt.requested { throw Cancelled() }
            if let html = output.html {
                var page = HTMLReport.comparePage(result)
                if let g = graphResult { page.sections.append(HTMLReport.graphSection(g)) }
                try writeAtomically(html, page.render())
                eprint("kpath: wrote \(html)")
            }
            if let save {
                try writeAtomically(save, try JSONReport.document(result))
                eprint("kpath: wrote \(save)")
            }
        }
    }
}

/// Fails early (before any probe) when `path` cannot be written (compare, tour: --html).
func checkWritable(_ path: String) throws {
    do { try AtomicFile.checkWritable(path, example: "report.html") } catch { throw ValidationError("\(error)") }
}

/// Every report kpath writes to a file goes through AtomicFile: never a half-written file.
func writeAtomically(_ path: String, _ text: String) throws {
    try AtomicFile.write(text, to: path)
}
