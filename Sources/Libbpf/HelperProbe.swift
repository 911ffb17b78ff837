import CLibbpf

/// BPF helpers whose presence changes how kpath builds its programs.
public enum BPFHelper: Sendable {
    /// bpf_get_attach_cookie: kprobes and tracepoints from 5.15.
    case getAttachCookie

    var id: bpf_func_id {
        switch self {
        case .getAttachCookie: return BPF_FUNC_get_attach_cookie
        }
    }
}

extension BPFHelper {
    /// Whether a kprobe program may call this helper here: libbpf loads a
    /// tiny program that calls it (needs the privileges tracing needs).
    public var availableToKprobes: Bool {
        libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE, id, nil) == 1
    }
}
