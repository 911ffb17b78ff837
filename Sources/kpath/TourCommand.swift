import KernelInfo
import ArgumentParser
import FoundationEssentials
import Glibc
import Probes
import Reports
import Sessions

struct TourCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tour",
        abstract: "Walk through the article's sections, each shown live by this kernel: explanation, command, evidence, claim.",
        discussion: """
        Sections, in the article's order: \(TourSection.allCases.map(\.rawValue).joined(separator: ", ")).
        One compare run judges the claims; each step then runs the kpath commands
        it prints, against echo servers the tour keeps on 127.0.0.1.

        Examples:
          sudo kpath tour
          sudo kpath tour --step                 (Enter between steps)
          sudo kpath tour --only dialing,writing
          sudo kpath tour --html tour.html
        """)

    @Flag(help: "Wait for Enter between steps.")
    var step = false

    @Option(help: "Only these sections (comma-separated): \(TourSection.allCases.map(\.rawValue).joined(separator: ", ")).")
    var only: String?

    @Option(name: .shortAndLong, parsing: .unconditional, help: "Dials per protocol in the compare run that judges the claims.")
    var count: Int = 3

    @OptionGroup var output: CompareRunOptions

    func validate() throws {
        _ = try sections()
        if step && output.json { throw ValidationError("--step waits between printed steps and --json prints one document at the end: give one") }
        if count <= 0 || count > 1000 { throw ValidationError("--count must be between 1 and 1000 dials, got \(count)") }
    }

    func sections() throws -> [TourSection] {
        guard let only else { return TourSection.allCases }
        var out: [TourSection] = []
        for name in only.split(separator: ",").map({ $0.trimmed() }) where !name.isEmpty {
            guard let s = TourSection(rawValue: name) else {
                throw ValidationError("unknown section \"\(name)\"; choose from: \(TourSection.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if !out.contains(s) { out.append(s) }
        }
        if out.isEmpty { throw ValidationError("--only needs at least one section: \(TourSection.allCases.map(\.rawValue).joined(separator: ", "))") }
        // Always in the article's order.
        return TourSection.allCases.filter(out.contains)
    }

    func run() throws {
        try reportingErrors {
            Interrupt.install()
            var o = TourSession.Options()
            o.count = count
            o.backend = output.backend
            let sections = try sections()
            let commandLine = (["kpath"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
            let session = try TourSession(o)
            let style = TourReport.Style(color: !output.json && stdoutWantsColor())
            let progress: (String) -> Void = { eprint("kpath: \($0)") }
            if session.mode == .tracepoints { eprint("kpath: tracepoint mode (degraded): \(session.compare.modeReason ?? "")") }

            let cr = try session.measure(progress: progress)
            if !output.json {
                out(TourReport.header(kernel: cr.kernel, backend: cr.backend, mode: cr.mode, modeReason: cr.modeReason,
                                      compareCommand: cr.command, steps: sections.count, style: style))
            }
            var steps: [TourStep] = []
            for (i, section) in sections.enumerated() {
                if Interrupt.requested { throw Cancelled() }
                let number = (TourSection.allCases.firstIndex(of: section) ?? i) + 1
                let s = try session.step(section, number: number, progress: progress)
                steps.append(s)
                if !output.json { out(TourReport.step(s, of: TourSection.allCases.count, style: style)) }
                if step && !output.json && i < sections.count - 1 { waitForEnter() }
            }
            let result = TourResult(kernel: cr.kernel, backend: cr.backend, mode: cr.mode, modeReason: cr.modeReason,
                                    command: commandLine, steps: steps, compare: cr)
            if output.json {
                out(try JSONReport.document(result))
            } else {
                out(TourReport.summary(steps, style: style))
            }
            if let html = output.html {
                try writeAtomically(html, HTMLReport.tour(result))
                eprint("kpath: wrote \(html)")
            }
        }
    }

    /// --step: Enter goes on; end of input goes on too (a script can pipe the tour).
    func waitForEnter() {
        eprint("-- Enter for the next step, Ctrl-C to stop --")
        var c: UInt8 = 0
        var fds = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
        // poll, not a bare read: Ctrl-C is taken by kpath's signal thread, not by a blocked read.
        while !Interrupt.requested {
            if poll(&fds, 1, 200) <= 0 { continue }
            let n = read(0, &c, 1)
            if n <= 0 || c == UInt8(ascii: "\n") { return }
        }
    }
}
