import Foundation
import Sessions

extension HTMLReport {
    /// `kpath tour --html FILE`: the tour's steps, then the compare run's report.
    public static func tour(_ r: TourResult) -> String {
        let text = TourReport.render(r)
        return """
        <!doctype html><html><head><meta charset="utf-8"><title>kpath tour — \(esc(r.kernel))</title></head>
        <body><pre>\(esc(text))</pre></body></html>
        """
    }
}
