import FoundationEssentials
import Glibc

/// How wide text reports are: COLUMNS, else the terminal's width (TIOCGWINSZ
/// on stdout), else 80 (a pipe or a file). Never under 40: below that the
/// tables and claims would be more wrapping than text.
public enum Terminal {
    public static let minimum = 40
    public static let fallback = 80

    /// Read once per process.
    public static let width: Int = detect(columns: getenv("COLUMNS").map { String(cString: $0) }, fd: 1)

    public static func detect(columns: String?, fd: Int32) -> Int {
        if let c = columns.flatMap({ Int($0) }), c > 0 { return max(minimum, c) }
        var ws = winsize()
        if isatty(fd) != 0, ioctl(fd, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0 { return max(minimum, Int(ws.ws_col)) }
        return fallback
    }

    /// Words wrapped to `width`; the first line starts with `first`, the rest
    /// with `indent`. A word longer than a line stays whole (nothing is cut).
    public static func wrap(_ text: String, width: Int, first: String = "", indent: String = "") -> String {
        wrap(words: text.split(separator: " ", omittingEmptySubsequences: true).map(String.init), width: width, first: first, indent: indent)
    }

    /// Items joined by ", " and wrapped after a comma; continuation lines start with `indent`.
    public static func wrapList(_ items: [String], width: Int, first: String, indent: String) -> String {
        wrap(words: items.enumerated().map { i, item in item + (i < items.count - 1 ? "," : "") }, width: width, first: first, indent: indent)
    }

    /// The one wrap loop: `words` (each kept whole, spaces inside included)
    /// joined by one space, a new line before a word that would pass `width`.
    static func wrap(words: [String], width: Int, first: String, indent: String) -> String {
        var lines: [String] = []
        var line = first
        var start = first.count
        for word in words {
            if line.count > start && line.count + 1 + word.count > width {
                lines.append(line)
                line = indent
                start = indent.count
            }
            line += (line.count > start ? " " : "") + word
        }
        lines.append(line)
        return lines.joined(separator: "\n")
    }

    /// Cut to `width` with `…` (stack frames, evidence lines: the whole is in --json).
    public static func clip(_ s: String, width: Int) -> String {
        s.count <= width ? s : String(s.prefix(max(1, width - 1))) + "…"
    }
}
