import ArgumentParser
import Glibc
import KernelInfo
import Libbpf

/// `kpath __bpf-ids`: the BPF programs and links loaded in the kernel, one per
/// line ("prog ID TYPE NAME", "link ID TYPE PROG_ID"), like `bpftool prog
/// list` in miniature. Hidden: Tests/vm/cleanup.sh diffs it before and after
/// killing kpath, as the VM has no bpftool.
///
/// `--stats SECONDS`: turns the kernel's BPF run statistics on for that long
/// and prints, per program that ran meanwhile, "stats ID TYPE NAME RUNS NS
/// NS/RUN" — the exact cost of one hit of any process's program (bpftrace's,
/// bcc's, kpath's own), as scripts/bench-vs reads it. Statistics go off again
/// when kpath exits, however it exits (BPFStatsSwitch).
struct BPFIdsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "__bpf-ids",
        abstract: "List the kernel's BPF program and link ids (for tests and benchmarks).",
        shouldDisplay: false)

    @Option(help: "Count every program's runs and run time for SECONDS, then print them.")
    var stats: Double?

    func run() throws {
        if let seconds = stats {
            guard seconds > 0, seconds <= 3600 else {
                throw ValidationError("--stats takes seconds between 0 and 3600, e.g. --stats 3")
            }
            try printStats(over: seconds)
            return
        }
        var lines: [String] = []
        for p in BPFInventory.programs() { lines.append("prog \(p.id) \(p.type) \(p.name)") }
        for l in BPFInventory.links() { lines.append("link \(l.id) \(l.type) \(l.programID)") }
        out(lines.map { $0 + "\n" }.joined())
    }

    private func printStats(over seconds: Double) throws {
        let on = try BPFStatsSwitch()
        let before = Dictionary(BPFInventory.programs().map { ($0.id, $0.stats) }) { a, _ in a }
        usleep(UInt32(seconds * 1_000_000))
        var lines: [String] = []
        for p in BPFInventory.programs() {
            let d = p.stats.since(before[p.id] ?? ProgramStats(runCount: 0, runTimeNs: 0))
            guard let per = d.nsPerRun else { continue }
            lines.append("stats \(p.id) \(p.type) \(p.name) \(d.runCount) \(d.runTimeNs) \(cFormat("%.1f", per))")
        }
        withExtendedLifetime(on) {}
        out(lines.map { $0 + "\n" }.joined())
    }
}
