import Probes
/// `kpath diff A B`: two saved results of one kind, compared. Pure: no
/// kernel, no files (SavedResult.load reads them).
public enum Diff {
    public static func run(_ a: SavedResult, _ b: SavedResult, fileA: String = "A", fileB: String = "B") throws -> DiffResult {
        switch (a, b) {
        case (.compare(let x), .compare(let y)): return compare(x, y, fileA: fileA, fileB: fileB)
        case (.funccount(let x), .funccount(let y)): return funccount(x, y, fileA: fileA, fileB: fileB)
        default: throw SavedResultError.kindsDiffer(a: fileA, aKind: a.kind, b: fileB, bKind: b.kind)
        }
    }


    public static func compare(_ a: CompareResult, _ b: CompareResult, fileA: String = "A", fileB: String = "B",
                               noise: Noise = .perDial) -> DiffResult {
        let comparable = a.mode == b.mode
        var protocols: [ProtocolDiff] = []
        // Protocols in kpath's order, then --run commands by name (A's first).
        var keys = Proto.protocols.map(\.rawValue)
        for r in a.runs + b.runs where r.proto == .command && !keys.contains(r.key) { keys.append(r.key) }
        for k in keys {
            let ra = a.runs.first { $0.key == k }, rb = b.runs.first { $0.key == k }
            if ra == nil && rb == nil { continue }
            let p = (ra ?? rb)!.proto
            let pa = phases(ra, a.mode), pb = phases(rb, b.mode)
            let names = Phase.dialOrder.filter { n in pa.contains { $0.phase == n } || pb.contains { $0.phase == n } }
            var out: [PhaseDiff] = []
            for n in names {
                let fa = pa.first { $0.phase == n }?.functions ?? [], fb = pb.first { $0.phase == n }?.functions ?? []
                if fa.isEmpty && fb.isEmpty { continue }
                out.append(PhaseDiff(phase: n, a: totals(fa), b: totals(fb),
                                     functions: functions(values(fa), values(fb), noise: noise, counts: comparable)))
            }
            let moved = moves(&out)
            protocols.append(ProtocolDiff(proto: p, inA: ra != nil, inB: rb != nil, phases: out, moved: moved,
                                          name: (ra ?? rb)!.name))
        }
        let (changes, same) = claims(a.claims, b.claims)
        return DiffResult(kind: .compare, unit: .perDial, noise: noise, a: side(a, fileA), b: side(b, fileB),
                          countsComparable: comparable, protocols: protocols, claims: changes, claimsSame: same, counts: nil)
    }

    public static func funccount(_ a: FunccountResult, _ b: FunccountResult, fileA: String = "A", fileB: String = "B",
                                 noise: Noise = .calls) -> DiffResult {
        let va = a.counts.map { FunctionValue(function: $0.function, value: Double($0.count)) }.sorted(by: hottest)
        let vb = b.counts.map { FunctionValue(function: $0.function, value: Double($0.count)) }.sorted(by: hottest)
        func side(_ r: FunccountResult, _ f: String) -> DiffSide {
            DiffSide(file: f, kernel: r.kernel, backend: r.backend, command: "kpath funccount " + r.patterns.joined(separator: ","))
        }
        return DiffResult(kind: .funccount, unit: .calls, noise: noise, a: side(a, fileA), b: side(b, fileB),
                          countsComparable: true, protocols: [], claims: [], claimsSame: 0,
                          counts: functions(va, vb, noise: noise, counts: true))
    }

    /// Only in A, only in B, renamed (same FunctionRole on both sides), and
    /// changed beyond `noise` (when `counts`).
    public static func functions(_ a: [FunctionValue], _ b: [FunctionValue], noise: Noise, counts: Bool = true) -> FunctionsDiff {
        let inA = Dictionary(a.map { ($0.function, $0.value) }, uniquingKeysWith: +)
        let inB = Dictionary(b.map { ($0.function, $0.value) }, uniquingKeysWith: +)
        var onlyA = a.filter { inB[$0.function] == nil }
        var onlyB = b.filter { inA[$0.function] == nil }
        var renamed: [Rename] = []
        for role in FunctionRole.allCases {
            let names = Set(role.allNames)
            let ra = onlyA.filter { names.contains($0.function) }, rb = onlyB.filter { names.contains($0.function) }
            guard !ra.isEmpty && !rb.isEmpty else { continue }
            renamed.append(Rename(kind: .role, role: role, a: ra, b: rb))
            onlyA.removeAll { names.contains($0.function) }
            onlyB.removeAll { names.contains($0.function) }
        }
        for base in Set(onlyA.map { cloneBase($0.function) }) {
            let ra = onlyA.filter { cloneBase($0.function) == base }, rb = onlyB.filter { cloneBase($0.function) == base }
            guard !rb.isEmpty else { continue }
            renamed.append(Rename(kind: .compilerClone, role: nil, a: ra, b: rb))
            onlyA.removeAll { cloneBase($0.function) == base }
            onlyB.removeAll { cloneBase($0.function) == base }
        }
        renamed.sort { ($0.kind == .role ? 0 : 1, $0.a[0].function) < ($1.kind == .role ? 0 : 1, $1.a[0].function) }
        var changed: [CountChange] = []
        var same = 0
        for f in a where inB[f.function] != nil {
            let x = inA[f.function]!, y = inB[f.function]!
            if counts && noise.changed(x, y) { changed.append(CountChange(function: f.function, a: x, b: y)) } else { same += 1 }
        }
        changed.sort { (abs($0.b - $0.a), $1.function) > (abs($1.b - $1.a), $0.function) }
        return FunctionsDiff(onlyA: onlyA, onlyB: onlyB, renamed: renamed, changed: changed, same: same)
    }

    /// "ip_rcv_finish_core" for "ip_rcv_finish_core.constprop.0" (GCC's
    /// .constprop/.isra/.part/.cold clones keep the name before the dot).
    static func cloneBase(_ name: String) -> Substring {
        name.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)[0]
    }

    /// Pairs a function only in A under one syscall with the same function
    /// (or its clone) only in B under another, and takes both out of those lists.
    static func moves(_ phases: inout [PhaseDiff]) -> [Move] {
        var out: [Move] = []
        // The same name first, then a clone's: tcp_close before ip_rcv_finish_core.constprop.0.
        for same in [{ (a: String, b: String) in a == b }, { cloneBase($0) == cloneBase($1) }] {
            for i in phases.indices {
                for fa in phases[i].functions.onlyA {
                    for j in phases.indices where j != i {
                        guard let k = phases[j].functions.onlyB.firstIndex(where: { same(fa.function, $0.function) }) else { continue }
                        let fb = phases[j].functions.onlyB.remove(at: k)
                        phases[i].functions.onlyA.removeAll { $0.function == fa.function }
                        out.append(Move(from: phases[i].phase, to: phases[j].phase, a: fa, b: fb))
                        break
                    }
                }
            }
        }
        return out
    }

    /// Claims matched by id: those whose status differs, and how many agree.
    static func claims(_ a: [Claim], _ b: [Claim]) -> ([ClaimChange], Int) {
        var out: [ClaimChange] = []
        var same = 0
        for c in a {
            let d = b.first { $0.id == c.id }
            if d?.status == c.status { same += 1; continue }
            out.append(ClaimChange(id: c.id, title: c.title, a: c.status, b: d?.status, evidenceA: c.evidence, evidenceB: d?.evidence))
        }
        for d in b where !a.contains(where: { $0.id == d.id }) {
            out.append(ClaimChange(id: d.id, title: d.title, a: nil, b: d.status, evidenceA: nil, evidenceB: d.evidence))
        }
        return (out, same)
    }

    /// Tracepoint mode has no call counts: functions seen on stacks stand in (as in CompareReport).
    static func phases(_ run: ProtocolRun?, _ mode: CompareMode) -> [PhaseFunctions] {
        guard let run else { return [] }
        return mode == .functions ? run.phases : run.functionsOnStacks
    }

    static func values(_ fs: [FunctionHits]) -> [FunctionValue] {
        fs.map { FunctionValue(function: $0.function, value: $0.perDial) }.sorted(by: hottest)
    }

    static func totals(_ fs: [FunctionHits]) -> PhaseTotals {
        PhaseTotals(distinct: fs.count, perDial: fs.reduce(0) { $0 + $1.perDial })
    }

    static func hottest(_ x: FunctionValue, _ y: FunctionValue) -> Bool {
        (x.value, y.function) > (y.value, x.function)
    }

    static func side(_ r: CompareResult, _ file: String) -> DiffSide {
        DiffSide(file: file, kernel: r.kernel, backend: r.backend, mode: r.mode, dials: r.dials, side: r.side, command: r.command,
                 functionSet: r.functionSet)
    }
}
