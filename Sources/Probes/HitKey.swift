import Glibc
import Libbpf

/// How one program attached to many functions (or tracepoints) learns which
/// of them fired.
public enum HitKey: String, Codable, Sendable {
    /// bpf_get_attach_cookie: the target's index rides on its attachment (5.15+).
    case cookie
    /// Kernels before 5.15 (no cookies, no bpf_get_func_ip in kprobes): the
    /// probed address (kprobes) or the event id (tracepoints), looked up in a
    /// map the loader fills. Counts stay exact; attach costs one map update more.
    case address

    /// This kernel's, tried once. KPATH_HIT_KEY=address forces the address
    /// path on newer kernels (to test it where cookies exist).
    public static let current: HitKey = {
        if let v = getenv("KPATH_HIT_KEY"), let forced = HitKey(rawValue: String(cString: v)) {
            return forced
        }
        return BPFHelper.getAttachCookie.availableToKprobes ? .cookie : .address
    }()
}

/// The address keys of `HitKey.address`: where each function's kprobe fires.
struct AddressKeys {
    let map: BPFMap
    let addresses: [String: UInt64]
    private var used: [UInt64: String] = [:]

    init(map: BPFMap, addresses: [String: UInt64]) {
        self.map = map
        self.addresses = addresses
    }

    /// Files `function` under `index`; nil, or why not (the skip reason).
    /// A kprobe reports one past the probed address; on IBT kernels the probe
    /// at entry moves past the 4-byte ENDBR64, so both are keyed.
    mutating func add(_ function: String, index: Int) throws -> String? {
        guard let a = addresses[function] else { return "not in /proc/kallsyms" }
        if let other = used[a] { return "same address as \(other): its hits cannot be told apart" }
        try map.update(key: a + 1, value: UInt32(index))
        try map.update(key: a + 5, value: UInt32(index))
        used[a] = function
        return nil
    }
}
