import CLibbpf
import Glibc

/// fentry on many functions: the kernel wants one program per target (the
/// target's BTF id is fixed at load), so the loaded program's instructions are
/// loaded again per function with that function's BTF id (retsnoop's way).
public final class VmlinuxBTF {
    let raw: OpaquePointer

    public init() throws {
        guard let b = btf__load_vmlinux_btf(), libbpf_get_error(UnsafeRawPointer(b)) == 0 else {
            throw BPFError("load vmlinux BTF", errno: ENOENT)
        }
        raw = b
    }

    deinit { btf__free(raw) }

    /// BTF id of a function (BTF_KIND_FUNC), nil when vmlinux BTF lacks it.
    public func functionID(_ name: String) -> UInt32? {
        let id = btf__find_by_name_kind(raw, name, 12 /* BTF_KIND_FUNC */)
        return id > 0 ? UInt32(id) : nil
    }
}

extension BPFProgram {
    /// Loads a copy of this (already loaded) fentry program against `btfID` and attaches it.
    public func cloneFentry(attachBTFID btfID: UInt32, name: String) throws -> BPFLink {
        let insns = loadedInstructions
        let fd = withOpts(bpf_prog_load_opts.self) { opts in
            opts.pointee.expected_attach_type = BPF_TRACE_FENTRY
            opts.pointee.attach_btf_id = btfID
            return bpf_prog_load(BPF_PROG_TYPE_TRACING, "kp_fentry", "GPL", insns.baseAddress, insns.count, opts)
        }
        if fd < 0 { throw BPFError("load fentry program for \(name)", errno: -fd) }
        let linkFD = bpf_link_create(fd, 0, BPF_TRACE_FENTRY, nil)
        close(fd) // the link holds the program
        if linkFD < 0 { throw BPFError("attach fentry to \(name)", errno: -linkFD) }
        return BPFLink(ownedFD: linkFD)
    }
}
