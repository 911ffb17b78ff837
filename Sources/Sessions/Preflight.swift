import Glibc
import KernelInfo
import Probes
import Workload

/// Checks every session makes before touching the kernel, so bad input fails
/// with one clear line and nothing attached.
public enum Preflight {
    /// Root (or CAP_BPF + CAP_PERFMON), then the kernel BTF that every kpath
    /// object needs (they are CO-RE: field offsets are relocated against it).
    public static func requirePrivileges(_ f: KernelFeatures) throws {
        if !f.privileged { throw ProbeError.notPrivileged }
        if !f.btf { throw SessionError.noKernelBTF }
    }

    public static func requireProcess(_ pid: Int32) throws {
        if pid <= 0 || (kill(pid, 0) != 0 && errno == ESRCH) { throw SessionError.noSuchProcess(pid) }
    }
}

public enum SessionError: Error, CustomStringConvertible {
    case noSuchProcess(Int32)
    case badArgument(String)
    case noKernelBTF

    public var description: String {
        switch self {
        case .noSuchProcess(let p): return "no process with PID \(p); check it with `ps -p \(p)`"
        case .badArgument(let s): return s
        case .noKernelBTF:
            return "this kernel has no BTF (/sys/kernel/btf/vmlinux is missing); kpath's BPF programs need a kernel built with CONFIG_DEBUG_INFO_BTF=y (Debian's and Ubuntu's are)"
        }
    }
}
