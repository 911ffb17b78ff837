import KernelInfo
import FoundationEssentials
import Sessions

/// Flame graphs drawn by kpath itself, after Brendan Gregg's flamegraph.pl:
/// one box per frame, width proportional to its count, children stacked on
/// their parent, a root "all" at the bottom, warm colours hashed from the
/// name. Self-contained SVG: no scripts, a `<title>` tooltip per frame.
public enum FlameGraph {
    /// One laid-out frame. `x` and `width` are fractions of the whole graph.
    public struct Frame: Equatable, Sendable {
        public var name: String
        /// The frames from the root's child down to this one (empty for the root).
        public var path: [String]
        public var count: UInt64
        /// 0 for the root "all".
        public var depth: Int
        public var x: Double
        public var width: Double
    }

    public struct Style: Sendable {
        public var width = 1200
        public var frameHeight = 16
        public var fontSize = 12.0
        /// Average glyph width as a fraction of the font size (flamegraph.pl's 0.59).
        public var fontWidth = 0.59
        public var xpad = 10
        /// Frames narrower than this many pixels are left out (0: draw every frame).
        public var minWidth = 0.0
        public init() {}
    }

    final class Node {
        let name: String
        var count: UInt64 = 0
        var children: [String: Node] = [:]
        init(_ name: String) { self.name = name }
    }

    /// Lays out the folded stacks: common prefixes merge into one frame, siblings
    /// are ordered by name (as flamegraph.pl sorts its input), the root first,
    /// then depth-first.
    public static func layout(_ folded: FoldedStacks) -> [Frame] {
        let root = Node("all")
        for line in folded.lines where line.count > 0 {
            root.count += line.count
            var n = root
            for f in line.frames {
                if let c = n.children[f] { n = c } else {
                    let c = Node(f)
                    n.children[f] = c
                    n = c
                }
                n.count += line.count
            }
        }
        var out: [Frame] = []
        let total = Double(max(root.count, 1))
        func walk(_ n: Node, path: [String], depth: Int, start: UInt64) {
            out.append(Frame(name: n.name, path: path, count: n.count, depth: depth,
                             x: Double(start) / total, width: Double(n.count) / total))
            var offset = start
            for key in n.children.keys.sorted() {
                let c = n.children[key]!
                walk(c, path: path + [c.name], depth: depth + 1, start: offset)
                offset += c.count
            }
        }
        walk(root, path: [], depth: 0, start: 0)
        return out
    }

    /// The SVG text. `title` is printed above the graph.
    public static func svg(folded: FoldedStacks, title: String, style: Style = Style()) -> String {
        let frames = layout(folded)
        let total = frames.first?.count ?? 0
        let maxDepth = frames.map(\.depth).max() ?? 0
        let ypad1 = Int(style.fontSize * 3)
        let ypad2 = Int(style.fontSize * 2 + 10)
        let height = (maxDepth + 1) * style.frameHeight + ypad1 + ypad2
        let usable = Double(style.width - 2 * style.xpad)
        let glyph = style.fontSize * style.fontWidth

        var s = """
        <?xml version="1.0" encoding="UTF-8" standalone="no"?>
        <svg version="1.1" width="\(style.width)" height="\(height)" viewBox="0 0 \(style.width) \(height)" xmlns="http://www.w3.org/2000/svg">
        <!-- Flame graph drawn by kpath (layout after Brendan Gregg's flamegraph.pl). -->
        <defs>
          <linearGradient id="background" y1="0" y2="1" x1="0" x2="0">
            <stop stop-color="#eeeeee" offset="5%"/>
            <stop stop-color="#eeeeb0" offset="95%"/>
          </linearGradient>
        </defs>
        <style type="text/css">
          text { font-family: Verdana, sans-serif; font-size: \(fmt(style.fontSize))px; fill: rgb(0,0,0); }
          .title { font-size: \(fmt(style.fontSize + 5))px; }
          .frame:hover rect { stroke: rgb(0,0,0); stroke-width: 0.5; }
        </style>
        <rect class="background" x="0" y="0" width="\(style.width)" height="\(height)" fill="url(#background)"/>
        <text class="title" x="\(style.width / 2)" y="\(fmt(style.fontSize * 2))" text-anchor="middle">\(escape(title))</text>
        <text class="subtitle" x="\(style.xpad)" y="\(height - ypad2 / 2)">\(total) samples; hover over a frame for its count</text>

        """
        for f in frames {
            let w = f.width * usable
            if f.depth > 0 && w < style.minWidth { continue }
            let x = Double(style.xpad) + f.x * usable
            let y = height - ypad2 - (f.depth + 1) * style.frameHeight
            let pct = total > 0 ? Double(f.count) * 100 / Double(total) : 0
            let tip = "\(f.name) (\(grouped(f.count)) sample\(f.count == 1 ? "" : "s"), \(cFormat("%.2f", pct))%)"
            s += "<g class=\"frame\"><title>\(escape(tip))</title>"
            s += "<rect x=\"\(fmt(x))\" y=\"\(y)\" width=\"\(fmt(w))\" height=\"\(style.frameHeight - 1)\" fill=\"\(color(f.name))\" rx=\"2\" ry=\"2\"/>"
            let label = fit(f.name, chars: Int((w - 3) / glyph))
            if !label.isEmpty {
                s += "<text x=\"\(fmt(x + 3))\" y=\"\(fmt(Double(y) + Double(style.frameHeight) - 4.5))\">\(escape(label))</text>"
            }
            s += "</g>\n"
        }
        s += "</svg>\n"
        return s
    }

    /// The label that fits in `chars` glyphs: the name, or its start and `..`; empty below 3.
    public static func fit(_ name: String, chars: Int) -> String {
        if chars < 3 { return "" }
        if name.count <= chars { return name }
        return String(name.prefix(chars - 2)) + ".."
    }

    /// flamegraph.pl's "hot" palette (reds to yellows), chosen by a stable hash
    /// of the function name (offsets and module ignored), so a function has one
    /// colour in every graph.
    public static func color(_ frame: String) -> String {
        let name = StackFrames.name(frame)
        let (v1, v2, v3) = hash3(name)
        let r = 205 + Int(50 * v3), g = Int(230 * v1), b = Int(55 * v2)
        return "rgb(\(r),\(g),\(b))"
    }

    /// Three numbers in [0, 1) from FNV-1a (stable across runs, unlike Hasher).
    static func hash3(_ s: String) -> (Double, Double, Double) {
        var h: UInt64 = 0xcbf29ce484222325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        let a = Double(h & 0xffff) / 65536
        let b = Double((h >> 16) & 0xffff) / 65536
        let c = Double((h >> 32) & 0xffff) / 65536
        return (a, b, c)
    }

    public static func escape(_ s: String) -> String {
        replacingScalars(s) { ch in
            switch ch {
            case "&": return "&amp;"
            case "<": return "&lt;"
            case ">": return "&gt;"
            case "\"": return "&quot;"
            case "'": return "&apos;"
            // Characters XML 1.0 forbids (control bytes from a comm) become U+FFFD.
            case _ where ch.value < 0x20 && ch != "\t" && ch != "\n" && ch != "\r": return "\u{FFFD}"
            default: return nil
            }
        }
    }

    static func fmt(_ d: Double) -> String {
        if d == d.rounded() { return String(Int(d)) }
        return cFormat("%.2f", d)
    }

    static func grouped(_ n: UInt64) -> String {
        var s = String(n)
        var i = s.count - 3
        while i > 0 { s.insert(",", at: s.index(s.startIndex, offsetBy: i)); i -= 3 }
        return s
    }
}
