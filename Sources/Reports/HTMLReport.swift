import Foundation
import Sessions

/// Self-contained HTML reports (no network fetches). Built out by the teaching issue.
public enum HTMLReport {
    public static func compare(_ r: CompareResult) -> String {
        let text = CompareReport.render(r)
        return """
        <!doctype html><html><head><meta charset="utf-8"><title>kpath compare — \(esc(r.kernel))</title></head>
        <body><pre>\(esc(text))</pre></body></html>
        """
    }

    public static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
