import KernelInfo
import FoundationEssentials
import Probes
import Sessions

/// `kpath tour` as text for the terminal (Terminal.width): each step's explanation
/// wrapped, the commands it ran (copy-pasteable, continued with `\`), the
/// lines of their output that make the point, and the claims it shows.
public enum TourReport {
    /// COLUMNS, the tty's width, or 80 (Terminal.width); text keeps 2 columns spare.
    public static var width: Int { Terminal.width }

    public struct Style: Sendable {
        public var color: Bool
        public init(color: Bool) { self.color = color }
        func bold(_ s: String) -> String { color ? "\u{1b}[1m\(s)\u{1b}[0m" : s }
        func dim(_ s: String) -> String { color ? "\u{1b}[2m\(s)\u{1b}[0m" : s }
        func status(_ c: ClaimStatus) -> String {
            switch c {
            case .held: return color ? "\u{1b}[32mheld    \u{1b}[0m" : "held    "
            case .notHeld: return color ? "\u{1b}[31mNOT HELD\u{1b}[0m" : "NOT HELD"
            case .unknown: return color ? "\u{1b}[33munknown \u{1b}[0m" : "unknown "
            }
        }
    }

    /// The lines before the first step.
    public static func header(kernel: String, backend: Backend, mode: CompareMode, modeReason: String?, compareCommand: String,
                              steps: Int, style: Style, width: Int = TourReport.width) -> String {
        var o = style.bold("kpath tour") + wrap(": the article \"A UDP server and client in Go\" (2018), on this kernel", indent: "", width: width - 12) + "\n"
        o += wrap("kernel \(kernel), " + (mode == .functions ? "backend \(backend.rawValue)" : "tracepoint mode (degraded)") + ", \(steps) step\(steps == 1 ? "" : "s")", indent: "", width: width - 2) + "\n"
        if mode == .tracepoints {
            o += wrap("Degraded: \(modeReason ?? "no function backend"). Function calls cannot be counted here; stacks at tracepoints and packets still tell much of the story, and each step says what it cannot show.", indent: "", width: width - 2) + "\n"
        }
        o += wrap("The claims are judged from one run of `\(compareCommand)`; each step then runs the commands it shows. Rerun any of them yourself, with an echo server: `kpath echo server --proto udp --listen 127.0.0.1:PORT`.", indent: "", width: width - 2) + "\n"
        return o
    }

    public static func step(_ s: TourStep, of total: Int, style: Style, width: Int = TourReport.width) -> String {
        let w = width - 2
        var o = "\n"
        let title = "== \(s.number)/\(total)  \(s.title) "
        o += style.bold(title.count + 3 > w ? wrap(title, indent: "   ", width: w) : title + String(repeating: "=", count: w - title.count)) + "\n"
        o += wrap(s.explanation, indent: "", width: w) + "\n"
        for c in s.commands {
            o += "\n" + command(c.display, style: style, width: w) + "\n"
            if c.exitStatus != 0 { o += style.dim("  (exit status \(c.exitStatus))") + "\n" }
            for l in c.excerpt.rendered { o += clip("    " + l.replacing("\t", with: "    "), w) + "\n" }
        }
        if !s.evidence.isEmpty {
            o += "\n"
            for e in s.evidence { o += wrap(e, indent: "  ", width: w) + "\n" }
        }
        if let c = s.cannotShow {
            o += "\n" + wrap("Not on this kernel: " + c, indent: "  ", width: w) + "\n"
        }
        if !s.claims.isEmpty { o += "\n" }
        for c in s.claims {
            let head = wrap("\(c.id): \(c.title)", indent: String(repeating: " ", count: 13), width: w)
            o += "  [\(style.status(c.status))] " + head.dropFirst(13) + "\n"
            o += wrap(c.evidence.rendered, indent: String(repeating: " ", count: 13), width: w) + "\n"
        }
        return o
    }

    public static func summary(_ steps: [TourStep], style: Style, width: Int = TourReport.width) -> String {
        let claims = steps.flatMap(\.claims)
        var o = "\n" + style.bold("== Summary " + String(repeating: "=", count: max(3, width - 13))) + "\n"
        for s in steps {
            let marks = s.claims.map { c in c.status == .held ? "held" : c.status == .notHeld ? "NOT HELD" : "unknown" }
            let counts = ["held", "NOT HELD", "unknown"].compactMap { m in
                let n = marks.filter { $0 == m }.count
                return n > 0 ? "\(n) \(m)" : nil
            }.joined(separator: ", ")
            let name = "\(s.number). \(s.title)"
            // One line when it fits; on a narrow terminal the counts go under the title.
            o += "  " + (width - 2 >= 42 + (counts.isEmpty ? 1 : counts.count) ? pad(name, 40) : name + "\n" + String(repeating: " ", count: 6))
                + (counts.isEmpty ? "-" : counts) + "\n"
        }
        let held = claims.filter { $0.status == .held }.count
        let not = claims.filter { $0.status == .notHeld }.count
        let unknown = claims.filter { $0.status == .unknown }.count
        o += "\n\(held) of \(claims.count) claims held" + (not > 0 ? ", \(not) not held" : "") + (unknown > 0 ? ", \(unknown) unknown on this kernel" : "") + "\n"
        return o
    }

    public static func render(_ r: TourResult, color: Bool = false, width: Int = TourReport.width) -> String {
        let style = Style(color: color)
        var o = header(kernel: r.kernel, backend: r.backend, mode: r.mode, modeReason: r.modeReason, compareCommand: r.compare.command,
                       steps: r.steps.count, style: style, width: width)
        for s in r.steps { o += step(s, of: TourSection.allCases.count, style: style, width: width) }
        o += summary(r.steps, style: style, width: width)
        return o
    }

    // MARK: width

    /// Words wrapped to the width, each line starting with `indent`.
    public static func wrap(_ text: String, indent: String, width: Int = TourReport.width - 2) -> String {
        text.contains(where: { $0 != " " }) ? Terminal.wrap(text, width: width, first: indent, indent: indent) : ""
    }

    /// A command as `  $ words...`, continued with ` \` so it can be pasted.
    public static func command(_ cmd: String, style: Style, width: Int = TourReport.width - 2) -> String {
        var lines: [String] = []
        var line = "  $"
        for word in cmd.split(separator: " ", omittingEmptySubsequences: true) {
            if line.count > 3 && line.count + 1 + word.count + 2 > width {
                lines.append(line + " \\")
                line = "      "
            }
            line += " " + word
        }
        lines.append(line)
        return lines.map { style.bold($0) }.joined(separator: "\n")
    }

    /// Cut to the width with an ellipsis: the full line is one rerun away.
    public static func clip(_ s: String, _ w: Int = TourReport.width - 2) -> String {
        s.count <= w ? s : String(s.prefix(w - 1)) + "…"
    }
}
