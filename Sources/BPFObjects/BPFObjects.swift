// The BPF objects compiled from bpf/*.bpf.c at build time (see Plugins/BPFCompiler).
import FoundationEssentials

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
    /// Call traces: function entries and returns inside syscalls (bpf/graph.bpf.c).
    case graph
    /// Counts tracepoint hits for funccount 't:cat:*' (bpf/tpcount.bpf.c).
    case tpcount
}

public enum BPFObjects {
    /// True when this kernel cannot resolve the per-CPU preempt count (no
    /// CONFIG_KALLSYMS_ALL: data symbols are missing from /proc/kallsyms; or
    /// no BTF variable for it, as on Debian 11's 5.10), so the objects built
    /// with KP_IRQ_FROM_TRACEPOINTS are used.
    public static let irqFromTracepoints: Bool = {
        guard let data = FileManager.default.contents(atPath: "/proc/kallsyms") else { return true }
        if !contains(data, " __preempt_count\n") && !contains(data, " pcpu_hot\n") { return true }
        return !VmlinuxVars.contains(anyOf: ["__preempt_count", "pcpu_hot"])
    }()

    static func contains(_ data: Data, _ needle: String) -> Bool {
        let n = Array(needle.utf8)
        return data.withUnsafeBytes { hay in
            guard hay.count >= n.count else { return false }
            var i = 0
            while let j = hay[i...(hay.count - n.count)].firstIndex(of: n[0]) {
                if hay[j..<(j + n.count)].elementsEqual(n) { return true }
                i = j + 1
                if i > hay.count - n.count { return false }
            }
            return false
        }
    }

    /// The ELF bytes of one embedded object, in the build this kernel needs.
    public static func bytes(_ name: BPFObjectName) -> [UInt8] {
        let key = name.rawValue + (irqFromTracepoints ? ".irqtp" : "")
        guard let b64 = EmbeddedBPF.objects[key], let data = Data(base64Encoded: b64) else {
            fatalError("BPF object \(name.rawValue) was not embedded at build time")
        }
        return [UInt8](data)
    }
}
