import ArgumentParser
import Libbpf

/// `kpath __bpf-ids`: the BPF programs and links loaded in the kernel, one per
/// line ("prog ID TYPE NAME", "link ID TYPE PROG_ID"), like `bpftool prog
/// list` in miniature. Hidden: tests/vm/cleanup.sh diffs it before and after
/// killing kpath, as the VM has no bpftool.
struct BPFIdsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "__bpf-ids",
        abstract: "List the kernel's BPF program and link ids (for tests).",
        shouldDisplay: false)

    func run() throws {
        var lines: [String] = []
        for p in BPFInventory.programs() { lines.append("prog \(p.id) \(p.type) \(p.name)") }
        for l in BPFInventory.links() { lines.append("link \(l.id) \(l.type) \(l.programID)") }
        out(lines.map { $0 + "\n" }.joined())
    }
}
