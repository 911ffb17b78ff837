import ArgumentParser
import FoundationEssentials
import Reports
import Sessions

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Two saved results side by side: how the kernel path changed from one kernel to the next.",
        discussion: """
        A and B are files saved by `kpath compare ... --json` (or both by
        `kpath funccount ... --json`). A count has changed when A and B differ by
        more than 0.5 per dial (funccount: 1 call) and by more than 20% of the larger.

        Examples:
          kpath diff compare-6.1.json compare-7.3.json
          kpath diff compare-6.1.json compare-7.3.json --html diff.html
          kpath diff a.json b.json --json > diff.json
        """)

    @Argument(help: "The earlier result (JSON saved with --json).")
    var a: String

    @Argument(help: "The later result, of the same kind.")
    var b: String

    @OptionGroup var forms: ReportForms

    func run() throws {
        try reportingErrors {
            // Read both before saying anything: a bad B must not leave half a report.
            let ra = try SavedResult.load(a), rb = try SavedResult.load(b)
            let d = try Diff.run(ra, rb, fileA: a, fileB: b)
            out(forms.json ? try JSONReport.document(d) : DiffReport.render(d))
            if let html = forms.html {
                try writeAtomically(html, HTMLReport.diff(d))
                eprint("kpath: wrote \(html)")
            }
        }
    }
}
