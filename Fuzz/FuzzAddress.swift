// HOST:PORT parser. Input: one address per line. An address that parses
// formats back (description) to one that parses to the same value; a
// rejected one gets a one-line WorkloadError; the port is in range.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAddress(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    for text in lines(data, size) {
        for (zero, defaultHost) in [(false, nil), (true, "127.0.0.1")] as [(Bool, String?)] {
            parsesOrSaysWhy(WorkloadError.self) {
                let a = try EchoAddress(parsing: text, allowPortZero: zero, defaultHost: defaultHost)
                check(zero || a.port != 0, "port 0 accepted without allowPortZero in \(text.debugDescription)")
                check(!a.host.isEmpty, "empty host from \(text.debugDescription)")
                let b = try? EchoAddress(parsing: a.description, allowPortZero: zero)
                check(b == a, "round trip \(text.debugDescription) -> \(a.description.debugDescription) -> \(String(describing: b))")
            }
        }
    }
    return 0
}
