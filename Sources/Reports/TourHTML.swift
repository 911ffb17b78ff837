import FoundationEssentials
import Sessions

extension HTMLReport {
    /// One explained step (for `kpath tour`): a title, a paragraph, the command
    /// in `<code>`, its evidence in `<pre>`, and the claim's status if it checks one.
    public static func step(id: String, title: String, explanation: String, command: String? = nil,
                            evidence: String? = nil, claim: Claim? = nil) -> Section {
        var body = ""
        if let command { body += "<p class=\"command\"><code>\(esc(command))</code></p>\n" }
        if let evidence { body += "<pre>\(esc(evidence))</pre>\n" }
        if let claim {
            body += "<p class=\"claim\">\(claimBadge(claim.status)) <code>\(esc(claim.id))</code> \(esc(claim.title)) — <span class=\"evidence\">\(esc(claim.evidence.rendered))</span></p>\n"
        }
        return Section(id: id, title: title, intro: explanation, body: body)
    }

    /// `kpath tour --html FILE`: one section per step (explanation, the
    /// commands it ran with the lines that make the point, what this kernel
    /// cannot show, the claims), then the whole compare report the claims
    /// were judged from.
    public static func tour(_ r: TourResult, generated: Date = Date()) -> String {
        tourPage(r, generated: generated).render()
    }

    public static func tourPage(_ r: TourResult, generated: Date = Date()) -> Page {
        var facts = compareFacts(r.compare, generated: generated)
        facts.removeAll { $0.0 == "command" || $0.0 == "took" }
        facts.append(("command", r.command))
        facts.append(("claims judged by", "sudo " + r.compare.command))
        let claims = r.steps.flatMap(\.claims)
        let held = claims.filter { $0.status == .held }.count
        facts.append(("claims", "\(held) of \(claims.count) held"))
        var sections = r.steps.map(stepSection)
        sections += compareSections(r.compare).map { s in
            var s = s
            s.id = "compare-" + s.id
            s.title = "Compare: " + s.title
            return s
        }
        return Page(title: "kpath tour — “A UDP server and client in Go” on kernel \(r.kernel)", facts: facts,
                    notice: modeNotice(r.compare), sections: sections)
    }

    static func stepSection(_ s: TourStep) -> Section {
        var body = ""
        for c in s.commands {
            body += "<p class=\"command\"><code>$ \(esc(c.display))</code>"
            if c.exitStatus != 0 { body += " <span class=\"muted\">(exit status \(c.exitStatus))</span>" }
            body += "</p>\n"
            let lines = c.excerpt.rendered
            if !lines.isEmpty { body += "<pre>\(esc(lines.joined(separator: "\n")))</pre>\n" }
        }
        for e in s.evidence { body += "<p>\(esc(e))</p>\n" }
        if let c = s.cannotShow { body += "<div class=\"notice\"><strong>Not on this kernel:</strong> \(esc(c))</div>\n" }
        for c in s.claims {
            body += "<p class=\"claim\">\(claimBadge(c.status)) <code>\(esc(c.id))</code> \(esc(c.title)) — <span class=\"evidence\">\(esc(c.evidence.rendered))</span></p>\n"
        }
        return Section(id: "step-\(s.section)", title: "\(s.number). \(s.title)", intro: s.explanation, body: body)
    }
}
