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
/// when kpath exits, however it exits (BPFStatsSwitch). `--every N`: also a
/// block every N seconds, counted from the same start, so a program that
/// unloads within the window (a whole `kpath compare` run) keeps its last
/// line (scripts/bench-programs takes each id's last).
struct BPFIdsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "__bpf-ids",
        abstract: "List the kernel's BPF program and link ids (for tests and benchmarks).",
        shouldDisplay: false)

    @Option(help: "Count every program's runs and run time for SECONDS, then print them.")
    var stats: Double?

    @Option(help: "With --stats: print the counts so far every SECONDS too.")
    var every: Double?

    func run() throws {
        if let seconds = stats {
            guard seconds > 0, seconds <= 3600 else {
                throw ValidationError("--stats takes seconds between 0 and 3600, e.g. --stats 3")
            }
            if let e = every, !(e > 0 && e <= seconds) {
                throw ValidationError("--every takes seconds between 0 and --stats, e.g. --stats 60 --every 0.5")
            }
            try printStats(over: seconds, every: every ?? seconds)
            return
        }
        var lines: [String] = []
        for p in BPFInventory.programs() { lines.append("prog \(p.id) \(p.type) \(p.name)") }
        for l in BPFInventory.links() { lines.append("link \(l.id) \(l.type) \(l.programID)") }
        out(lines.map { $0 + "\n" }.joined())
    }

    private func printStats(over seconds: Double, every: Double) throws {
        let on = try BPFStatsSwitch()
        let before = Dictionary(BPFInventory.programs().map { ($0.id, $0.stats) }) { a, _ in a }
        var left = seconds
        while left > 0 {
            let nap = min(every, left)
            usleep(UInt32(nap * 1_000_000))
            left -= nap
            var lines: [String] = []
            for p in BPFInventory.programs() {
                let d = p.stats.since(before[p.id] ?? ProgramStats(runCount: 0, runTimeNs: 0))
                guard let per = d.nsPerRun else { continue }
                lines.append("stats \(p.id) \(p.type) \(p.name) \(d.runCount) \(d.runTimeNs) \(cFormat("%.1f", per))")
            }
            out(lines.map { $0 + "\n" }.joined())
        }
        withExtendedLifetime(on) {}
    }
}
