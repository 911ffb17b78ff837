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
    /// The ELF bytes of one embedded object.
    public static func bytes(_ name: BPFObjectName) -> [UInt8] {
        guard let b64 = EmbeddedBPF.objects[name.rawValue], let data = Data(base64Encoded: b64) else {
            fatalError("BPF object \(name.rawValue) was not embedded at build time")
        }
        return [UInt8](data)
    }
}
