import KernelInfo
import FoundationEssentials
import Glibc
import Sessions

/// Self-contained HTML reports: one file, inline CSS and inline SVG, no script,
/// nothing fetched (a Content-Security-Policy of `default-src 'none'` makes the
/// browser refuse any fetch that slipped in). Light and dark follow
/// `prefers-color-scheme`; the layout is made for a 1366 px laptop screen.
///
/// The whole compare page is `HTMLReport.compare(result)` (CompareHTML.swift). Other pages (a
/// `kpath tour --html` page, say) are put together from the same blocks:
///
/// ```swift
/// var page = HTMLReport.Page(title: "kpath tour — kernel \(r.kernel)",
///                            facts: HTMLReport.compareFacts(r), notice: HTMLReport.modeNotice(r))
/// for step in steps {
///     page.sections.append(HTMLReport.step(id: step.id, title: step.title, explanation: step.text,
///                                          command: step.command, evidence: step.evidence, claim: step.claim))
/// }
/// page.sections += HTMLReport.compareSections(r)
/// try AtomicFile.write(page.render(), to: path)
/// ```
///
/// Every building block escapes the text it is given (`esc`); only `Cell.html`,
/// `Section.body` and `Page.notice` take markup as it is.
public enum HTMLReport {
    // MARK: page

    /// One `<section>`: an anchor id (for the table of contents), a heading,
    /// an optional introduction (text) and a body (markup).
    public struct Section: Sendable {
        public var id: String
        public var title: String
        public var intro: String?
        public var body: String
        public init(id: String, title: String, intro: String? = nil, body: String) {
            self.id = id; self.title = title; self.intro = intro; self.body = body
        }

        public func render() -> String {
            var o = "<section id=\"\(esc(id))\">\n<h2>\(esc(title))</h2>\n"
            if let intro { o += "<p class=\"intro\">\(esc(intro))</p>\n" }
            return o + body + "\n</section>\n"
        }
    }

    /// A whole page: title, a header of facts (label: value, as text), an
    /// optional notice (markup, e.g. `modeNotice`), a table of contents and the sections.
    public struct Page: Sendable {
        public var title: String
        public var facts: [(String, String)]
        public var notice: String?
        public var sections: [Section]
        public init(title: String, facts: [(String, String)] = [], notice: String? = nil, sections: [Section] = []) {
            self.title = title; self.facts = facts; self.notice = notice; self.sections = sections
        }

        public func render() -> String {
            var o = """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="color-scheme" content="light dark">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
            <title>\(esc(title))</title>
            <style>\(HTMLReport.css)</style>
            </head>
            <body>
            <header>
            <h1>\(esc(title))</h1>

            """
            if !facts.isEmpty {
                o += "<dl class=\"facts\">\n"
                for (k, v) in facts { o += "<div><dt>\(esc(k))</dt><dd>\(esc(v))</dd></div>\n" }
                o += "</dl>\n"
            }
            if let notice { o += notice + "\n" }
            if sections.count > 1 {
                o += "<nav>" + sections.map { "<a href=\"#\(esc($0.id))\">\(esc($0.title))</a>" }.joined(separator: " ") + "</nav>\n"
            }
            o += "</header>\n<main>\n"
            for s in sections { o += s.render() }
            o += "</main>\n<footer>Drawn by kpath: one file, no scripts, nothing fetched.</footer>\n</body>\n</html>\n"
            return o
        }
    }

    // MARK: tables and text

    /// A table cell: text (escaped), markup, or a right-aligned number.
    public struct Cell: Sendable, ExpressibleByStringLiteral {
        public var html: String
        public var numeric: Bool
        public init(_ text: String) { html = esc(text); numeric = false }
        public init(stringLiteral text: String) { self.init(text) }
        public static func html(_ markup: String) -> Cell { var c = Cell(""); c.html = markup; return c }
        public static func num(_ text: String) -> Cell { var c = Cell(text); c.numeric = true; return c }
    }

    /// A `<table>` with a header row (text) and rows of cells.
    public static func table(_ headers: [String], _ rows: [[Cell]], className: String? = nil) -> String {
        var o = "<table\(className.map { " class=\"\(esc($0))\"" } ?? "")>\n<thead><tr>"
        let numericCols = Set(rows.flatMap { $0.enumerated().filter { $0.element.numeric }.map(\.offset) })
        for (i, h) in headers.enumerated() { o += "<th\(numericCols.contains(i) ? " class=\"num\"" : "")>\(esc(h))</th>" }
        o += "</tr></thead>\n<tbody>\n"
        for row in rows {
            o += "<tr>" + row.map { "<td\($0.numeric ? " class=\"num\"" : "")>\($0.html)</td>" }.joined() + "</tr>\n"
        }
        if rows.isEmpty { o += "<tr><td colspan=\"\(max(headers.count, 1))\" class=\"muted\">none</td></tr>\n" }
        return o + "</tbody>\n</table>"
    }

    /// Text made safe for HTML content and attribute values (control bytes
    /// from a comm become U+FFFD).
    public static func esc(_ s: String) -> String { FlameGraph.escape(s) }

    static func f2(_ d: Double) -> String { cFormat("%.2f", d) }
    static func fmt(_ d: Double) -> String { FlameGraph.fmt(d) }

    static func isoDate(_ d: Date) -> String {
        var secs = time_t(d.timeIntervalSince1970.rounded(.down))
        var t = tm()
        gmtime_r(&secs, &t)
        return cFormat("%04d-%02d-%02d %02d:%02d:%02d UTC", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)
    }

    // MARK: style

    static let css = """

    :root { --bg: #ffffff; --fg: #1d2330; --muted: #5d6677; --line: #d8dce4; --head: #f1f3f7; --band0: #f5f7fb; --band1: #ebeff7;
            --accent: #1f5fbf; --client: #1f5fbf; --server: #c2570c; --held: #137333; --notheld: #b3261e; --unknown: #8a6100;
            --held-bg: #e6f4ea; --notheld-bg: #fce8e6; --unknown-bg: #fef3d6; --notice: #fff6dc; --notice-line: #e0b43c; }
    @media (prefers-color-scheme: dark) {
      :root { --bg: #14171d; --fg: #e3e7ee; --muted: #9aa3b2; --line: #333a47; --head: #1d222b; --band0: #181c23; --band1: #1f2530;
              --accent: #7fb0ff; --client: #7fb0ff; --server: #ffa45c; --held: #7ddc94; --notheld: #ff8a80; --unknown: #ffd166;
              --held-bg: #173321; --notheld-bg: #3b1a18; --unknown-bg: #3a2f12; --notice: #2d2715; --notice-line: #8a6d1f; }
    }
    * { box-sizing: border-box; }
    body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
    header, main, footer { max-width: 1300px; margin: 0 auto; padding: 0 24px; }
    header { padding-top: 20px; }
    h1 { font-size: 26px; margin: 0 0 12px; }
    h2 { font-size: 20px; margin: 34px 0 6px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
    h3 { font-size: 15px; margin: 16px 0 6px; }
    code, pre, .facts dd { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
    pre { background: var(--head); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; overflow-x: auto; margin: 6px 0; }
    .facts { display: flex; flex-wrap: wrap; gap: 4px 32px; margin: 0 0 12px; }
    .facts div { display: flex; gap: 8px; min-width: 0; }
    .facts dt { color: var(--muted); }
    .facts dd { margin: 0; overflow-wrap: anywhere; }
    .notice { background: var(--notice); border-left: 4px solid var(--notice-line); padding: 10px 14px; border-radius: 4px; margin: 10px 0; }
    nav { margin: 12px 0 0; display: flex; flex-wrap: wrap; gap: 6px 16px; font-size: 14px; }
    a { color: var(--accent); text-decoration: none; }
    a:hover { text-decoration: underline; }
    .intro { color: var(--muted); margin: 4px 0 10px; }
    .muted { color: var(--muted); }
    table { border-collapse: collapse; width: 100%; margin: 6px 0; font-size: 14px; }
    table.narrow { width: auto; min-width: 50%; }
    th, td { text-align: left; vertical-align: top; padding: 5px 10px; border-bottom: 1px solid var(--line); }
    th { background: var(--head); font-weight: 600; white-space: nowrap; }
    td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
    table.claims td:first-child { white-space: nowrap; }
    table.claims td:nth-child(2) { white-space: nowrap; }
    .evidence { font-size: 13px; color: var(--muted); overflow-wrap: anywhere; }
    table.lists td { font-size: 13px; line-height: 1.6; }
    table.lists td:first-child { white-space: nowrap; }
    .count { display: inline-block; min-width: 2em; font-weight: 600; }
    .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 13px; font-weight: 600; white-space: nowrap; }
    .badge.held { color: var(--held); background: var(--held-bg); }
    .badge.notheld { color: var(--notheld); background: var(--notheld-bg); }
    .badge.unknown { color: var(--unknown); background: var(--unknown-bg); }
    .summary { font-size: 16px; margin: 6px 0; }
    .cols { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 12px 28px; }
    .cols > div { min-width: 0; }
    .scroll { max-height: 440px; overflow-y: auto; border: 1px solid var(--line); border-radius: 6px; }
    .scroll table { margin: 0; width: 100%; }
    .scroll th { position: sticky; top: 0; }
    .packets { display: grid; grid-template-columns: 540px minmax(0, 1fr); gap: 0 24px; align-items: start; margin-bottom: 18px; }
    .packets h3 { grid-column: 1 / -1; }
    table.pkts { width: 100%; font-size: 13px; }
    table.pkts td { padding: 5px 8px; white-space: nowrap; }
    .timeline svg { display: block; max-width: 100%; height: auto; }
    svg.seq text { font-family: system-ui, "DejaVu Sans", sans-serif; font-size: 12px; fill: var(--fg); }
    svg.seq .band.b0 { fill: var(--band0); }
    svg.seq .band.b1 { fill: var(--band1); }
    svg.seq text.phase { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-weight: 600; fill: var(--fg); }
    svg.seq text.lane-name { font-size: 14px; font-weight: 600; }
    svg.seq text.lane-port, svg.seq text.ms, svg.seq tspan.len, svg.seq text.irq { fill: var(--muted); font-size: 11px; }
    svg.seq text.irq { font-style: italic; }
    svg.seq .lane { stroke: var(--muted); stroke-dasharray: 4 3; }
    svg.seq .pkt line { stroke-width: 2; }
    svg.seq .pkt.client line { stroke: var(--client); }
    svg.seq .pkt.server line { stroke: var(--server); }
    svg.seq .pkt.client text.flags { fill: var(--client); font-weight: 600; }
    svg.seq .pkt.server text.flags { fill: var(--server); font-weight: 600; }
    svg.seq marker.m-client path { fill: var(--client); }
    svg.seq marker.m-server path { fill: var(--server); }
    figure.flame { margin: 10px 0 18px; }
    figure.flame svg { display: block; width: 100%; max-width: 1250px; height: auto; border: 1px solid var(--line); border-radius: 6px; }
    pre.stack { font-size: 12.5px; max-height: 460px; }
    details { margin: 6px 0; }
    summary { cursor: pointer; font-weight: 600; }
    footer { color: var(--muted); font-size: 13px; padding-top: 30px; padding-bottom: 30px; }
    @media (max-width: 1100px) { .packets { grid-template-columns: 1fr; } }

    """
}
