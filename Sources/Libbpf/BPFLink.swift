import CLibbpf
import Glibc

/// An attachment of a program to a hook. Detached when destroyed (deinit), so
/// a link can never outlive kpath: a signal handler or error path that drops
/// the links detaches the probes.
public final class BPFLink {
    private var raw: OpaquePointer?
    /// Set for links made by raw bpf(2) calls (fentry clones): the fd owns the link.
    private var rawFD: Int32 = -1

    init(raw: OpaquePointer) { self.raw = raw }
    public init(ownedFD: Int32) { rawFD = ownedFD }

    static func wrap(_ link: OpaquePointer?, _ what: @autoclosure () -> String) throws -> BPFLink {
        let err = libbpf_get_error(UnsafeRawPointer(link))
        guard let link, err == 0 else {
            let e = err != 0 ? Int32(-err) : (Glibc.errno == 0 ? EINVAL : Glibc.errno)
            throw BPFError(what(), errno: e, log: LibbpfLog.take())
        }
        return BPFLink(raw: link)
    }

    /// The link's file descriptor, -1 once detached.
    public var fd: Int32 { raw.map { bpf_link__fd($0) } ?? rawFD }

    public func detach() {
        if let raw { bpf_link__destroy(raw) }
        raw = nil
        if rawFD >= 0 { close(rawFD) }
        rawFD = -1
    }

    deinit { detach() }
}
