// Trace target specs (`t:cat:event`, `p::func`, `func`). Input: one spec per
// line. A spec that parses has non-empty parts made of symbol characters and
// prints (description) as a spec that parses to the same value; a rejected
// one gets a one-line error naming it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTraceSpec(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let symbolChars = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.*?[]-!")
    for raw in lines(data, size) {
        parsesOrSaysWhy(TargetSpecError.self) {
            let spec = try TargetSpec.parse(raw)
            switch spec {
            case .function(let p):
                check(!p.isEmpty && p.allSatisfy(symbolChars.contains), "function pattern \(p.debugDescription) from \(raw.debugDescription)")
            case .tracepoint(let c, let e):
                check(!c.isEmpty && !e.isEmpty && (c + e).allSatisfy(symbolChars.contains),
                      "tracepoint \(c.debugDescription):\(e.debugDescription) from \(raw.debugDescription)")
            }
            let again = try? TargetSpec.parse(spec.description)
            check(again == spec, "round trip \(raw.debugDescription) -> \(spec.description.debugDescription)")
        }
    }
    return 0
}
