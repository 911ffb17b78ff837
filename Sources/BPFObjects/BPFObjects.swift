// The BPF objects compiled from bpf/*.bpf.c at build time (see Plugins/BPFCompiler).
import Foundation

public enum BPFObjectName: String, CaseIterable, Sendable {
    /// Per-thread syscall phase, tracked processes, softirq depth (bpf/phases.bpf.c).
    case phases
    /// Counts function hits per attach cookie, phase and context (bpf/funccount.bpf.c).
    case funccount
    /// Kernel stacks at functions and tracepoints (bpf/stacks.bpf.c).
    case stacks
    /// strace-style syscall records (bpf/syscalls.bpf.c).
    case syscalls
    /// Packets leaving a device, with TCP flags (bpf/packets.bpf.c).
    case packets
}

public enum BPFObjects {
    /// True when this kernel cannot resolve the per-CPU preempt count (no
    /// CONFIG_KALLSYMS_ALL: data symbols are missing from /proc/kallsyms; or
    /// no BTF variable for it, as on Debian 11's 5.10), so the objects built
    /// with KP_IRQ_FROM_TRACEPOINTS are used.
    public static let irqFromTracepoints: Bool = {
        guard let data = FileManager.default.contents(atPath: "/proc/kallsyms") else { return true }
        if data.range(of: Data(" __preempt_count\n".utf8)) == nil && data.range(of: Data(" pcpu_hot\n".utf8)) == nil { return true }
        return !VmlinuxVars.contains(anyOf: ["__preempt_count", "pcpu_hot"])
    }()

    /// The ELF bytes of one embedded object, in the build this kernel needs.
    public static func bytes(_ name: BPFObjectName) -> [UInt8] {
        let key = name.rawValue + (irqFromTracepoints ? ".irqtp" : "")
        guard let b64 = EmbeddedBPF.objects[key], let data = Data(base64Encoded: b64) else {
            fatalError("BPF object \(name.rawValue) was not embedded at build time")
        }
        return [UInt8](data)
    }
}
