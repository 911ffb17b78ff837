// kallsyms parser (and available_filter_functions_addrs lines): any bytes parse without crashing; every symbol kept has a
// name free of blanks and a letter for a type, formats back to a line that
// parses to the same symbol, and is found again by address lookup.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKallsyms(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let symbols = Kallsyms.parse(bytes)
    for s in symbols {
        check(!s.name.isEmpty && !s.name.contains(where: { $0 == " " || $0 == "\t" || $0 == "\n" }), "name \(s.name.debugDescription)")
        check(s.type.isASCII && s.type.isLetter, "type \(s.type.debugDescription)")
        var line = String(s.address, radix: 16) + " \(s.type) \(s.name)"
        if let m = s.module { line += "\t[\(m)]" }
        let again = Kallsyms.parseLine(ArraySlice(Array(line.utf8)))
        check(again == s, "round trip of \(line.debugDescription): \(String(describing: again))")
    }
    let table = Kallsyms(symbols: symbols)
    for s in symbols {
        guard let hit = table.lookup(s.address) else { check(false, "lookup(\(s.address)) found nothing"); continue }
        check(hit.symbol.address == s.address && hit.offset == 0, "lookup(\(s.address)) -> \(hit)")
        check(table.symbolize(s.address, offsets: false).hasPrefix(hit.symbol.name), "symbolize")
    }
    if let first = table.symbols.first, first.address > 0 {
        check(table.lookup(first.address - 1) == nil, "an address below every symbol has none")
    }
    // The same bytes as available_filter_functions_addrs: every line kept has a
    // blank-free name, and `address name` formats back to the same pair.
    FunctionCatalog.forEachFilterFunction(bytes, addressed: true) { name, address in
        check(!name.isEmpty && !name.contains(32) && !name.contains(9) && !name.contains(10), "filter name \(Array(name))")
        let line = Array((String(address, radix: 16) + " ").utf8) + Array(name)
        let again = FilterFunctionAddresses.parseLine(ArraySlice(line))
        check(again?.address == address && again.map { Array($0.name) } == Array(name), "filter round trip of \(address) \(Array(name))")
    }
    return 0
}
