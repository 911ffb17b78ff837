import CLibbpf
import Glibc

/// Does this kernel take kprobe.multi links? Answered without attaching
/// anything: a two-instruction program and a link request for a function that
/// does not exist. A kernel with kprobe.multi looks the name up and says ESRCH
/// (ftrace_lookup_symbols, 6.0+) or ENOENT;
/// one without says EINVAL (5.10-5.17: unknown attach type) or EOPNOTSUPP
/// (5.18+ without CONFIG_FPROBE). Loading funccount's object and attaching it to
/// a real function told the same at the cost of a BTF parse, a verification and
/// an ftrace update each way (about 0.25 s of start-up under emulation).
public enum KprobeMultiProbe {
    /// nil when supported, else the errno that said no.
    public static func refusal() -> Int32? {
        // r0 = 0; exit
        var insns = [bpf_insn](repeating: bpf_insn(), count: 2)
        insns[0].code = UInt8(BPF_ALU64 | BPF_MOV | BPF_K)
        insns[1].code = UInt8(BPF_JMP | BPF_EXIT)
        let prog: Int32 = withOpts(bpf_prog_load_opts.self) { opts in
            opts.pointee.expected_attach_type = BPF_TRACE_KPROBE_MULTI
            return bpf_prog_load(BPF_PROG_TYPE_KPROBE, "kp_probe_multi", "GPL", &insns, insns.count, opts)
        }
        if prog < 0 { return -prog }
        defer { close(prog) }
        var name = strdup("kpath_no_such_function_")
        defer { free(name) }
        let link: Int32 = withUnsafeMutablePointer(to: &name) { namePtr in
            namePtr.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: 1) { syms in
                withOpts(bpf_link_create_opts.self) { opts in
                    opts.pointee.kprobe_multi.syms = syms
                    opts.pointee.kprobe_multi.cnt = 1
                    return bpf_link_create(prog, 0, BPF_TRACE_KPROBE_MULTI, opts)
                }
            }
        }
        let err = errno
        if link >= 0 { close(link); return nil }
        return err == ESRCH || err == ENOENT ? nil : err
    }
}
