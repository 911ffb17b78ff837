import CLibbpf
import Glibc

extension BPFMap {
    /// Every key of a hash map with UInt64 keys and per-CPU UInt64 values,
    /// each with its values summed over CPUs (get_next_key, then one lookup a key).
    public func sumPerCPUHash() -> [(key: UInt64, sum: UInt64)] {
        let n = Int(libbpf_num_possible_cpus())
        let buf = UnsafeMutablePointer<UInt64>.allocate(capacity: max(1, n))
        defer { buf.deallocate() }
        var out: [(key: UInt64, sum: UInt64)] = []
        for var k in keys() where bpf_map_lookup_elem(fd, &k, buf) == 0 {
            var s: UInt64 = 0
            for c in 0..<n { s &+= buf[c] }
            out.append((key: k, sum: s))
        }
        return out
    }

    /// The keys of a hash map with UInt64 keys.
    public func keys() -> [UInt64] {
        var out: [UInt64] = []
        var next: UInt64 = 0
        var prev: UInt64 = 0
        var rc = bpf_map_get_next_key(fd, nil, &next)
        while rc == 0 {
            out.append(next)
            prev = next
            rc = bpf_map_get_next_key(fd, &prev, &next)
        }
        return out
    }
}
