import CLibbpf
import Glibc

/// One map of a BPFObject. Sizing calls work before load; element calls after.
public struct BPFMap {
    let raw: OpaquePointer
    public let object: BPFObject

    public var name: String { String(cString: bpf_map__name(raw)) }
    public var fd: Int32 { bpf_map__fd(raw) }
    public var keySize: Int { Int(bpf_map__key_size(raw)) }
    public var valueSize: Int { Int(bpf_map__value_size(raw)) }
    public var maxEntries: Int { Int(bpf_map__max_entries(raw)) }
    public var isPerCPU: Bool {
        switch bpf_map__type(raw) {
        case BPF_MAP_TYPE_PERCPU_ARRAY, BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_LRU_PERCPU_HASH: return true
        default: return false
        }
    }

    public func setMaxEntries(_ n: Int) throws {
        try check(bpf_map__set_max_entries(raw, UInt32(n)), "resize map \(name) to \(n)")
    }

    public func update<K, V>(key: K, value: V) throws {
        var k = key, v = value
        try check(bpf_map_update_elem(fd, &k, &v, UInt64(BPF_ANY)), "update map \(name)")
    }

    /// Writes the same value for every CPU of a per-CPU map.
    public func updatePerCPU<K, V>(key: K, value: V) throws {
        var k = key
        let n = Int(libbpf_num_possible_cpus())
        let stride = (MemoryLayout<V>.size + 7) & ~7
        let buf = UnsafeMutableRawPointer.allocate(byteCount: stride * n, alignment: 8)
        defer { buf.deallocate() }
        memset(buf, 0, stride * n)
        for i in 0..<n { buf.advanced(by: i * stride).storeBytes(of: value, as: V.self) }
        try check(bpf_map_update_elem(fd, &k, buf, UInt64(BPF_ANY)), "update map \(name)")
    }

    public func lookup<K, V>(key: K, as: V.Type = V.self) -> V? {
        var k = key
        let v = UnsafeMutablePointer<V>.allocate(capacity: 1)
        defer { v.deallocate() }
        return bpf_map_lookup_elem(fd, &k, v) == 0 ? v.pointee : nil
    }

    /// The per-CPU values of one key, one element per possible CPU.
    public func lookupPerCPU<K, V>(key: K, as: V.Type = V.self) -> [V] {
        var k = key
        let n = Int(libbpf_num_possible_cpus())
        let stride = (MemoryLayout<V>.size + 7) & ~7
        let buf = UnsafeMutableRawPointer.allocate(byteCount: stride * n, alignment: 8)
        defer { buf.deallocate() }
        guard bpf_map_lookup_elem(fd, &k, buf) == 0 else { return [] }
        return (0..<n).map { buf.advanced(by: $0 * stride).loadUnaligned(as: V.self) }
    }

    /// Sums a per-CPU array of UInt64 counters: one read per key, all keys.
    public func sumPerCPUArray(count: Int) -> [UInt64] {
        let n = Int(libbpf_num_possible_cpus())
        var out = [UInt64](repeating: 0, count: count)
        let buf = UnsafeMutablePointer<UInt64>.allocate(capacity: n)
        defer { buf.deallocate() }
        for i in 0..<count {
            var k = UInt32(i)
            if bpf_map_lookup_elem(fd, &k, buf) == 0 {
                var s: UInt64 = 0
                for c in 0..<n { s &+= buf[c] }
                out[i] = s
            }
        }
        return out
    }

    /// Every (key, value) of a hash map, read with get_next_key.
    public func entries<K, V>(key: K.Type, value: V.Type) -> [(K, V)] {
        var out: [(K, V)] = []
        let k = UnsafeMutablePointer<K>.allocate(capacity: 1)
        let next = UnsafeMutablePointer<K>.allocate(capacity: 1)
        let v = UnsafeMutablePointer<V>.allocate(capacity: 1)
        defer { k.deallocate(); next.deallocate(); v.deallocate() }
        var prev: UnsafeMutablePointer<K>? = nil
        while bpf_map_get_next_key(fd, prev, next) == 0 {
            if bpf_map_lookup_elem(fd, next, v) == 0 { out.append((next.pointee, v.pointee)) }
            k.pointee = next.pointee
            prev = k
        }
        return out
    }

    public func delete<K>(key: K) {
        var k = key
        _ = bpf_map_delete_elem(fd, &k)
    }

    /// The frames of one stack id in a BPF_MAP_TYPE_STACK_TRACE map, innermost first.
    public func stack(id: Int32) -> [UInt64] {
        guard id >= 0 else { return [] }
        var key = UInt32(id)
        let depth = valueSize / 8
        var frames = [UInt64](repeating: 0, count: depth)
        guard bpf_map_lookup_elem(fd, &key, &frames) == 0 else { return [] }
        return Array(frames.prefix { $0 != 0 })
    }
}

/// A BPF ring buffer reader; `handler` gets each record's bytes.
public final class BPFRingBuffer {
    private var rb: OpaquePointer?
    private let box: Unmanaged<Handler>

    final class Handler {
        let fn: (UnsafeRawBufferPointer) -> Void
        init(_ fn: @escaping (UnsafeRawBufferPointer) -> Void) { self.fn = fn }
    }

    public init(map: BPFMap, handler: @escaping (UnsafeRawBufferPointer) -> Void) throws {
        box = Unmanaged.passRetained(Handler(handler))
        rb = ring_buffer__new(map.fd, { ctx, data, size in
            let h = Unmanaged<Handler>.fromOpaque(ctx!).takeUnretainedValue()
            h.fn(UnsafeRawBufferPointer(start: data, count: Int(size)))
            return 0
        }, box.toOpaque(), nil)
        if rb == nil {
            box.release()
            throw BPFError("open ring buffer \(map.name)", errno: Glibc.errno == 0 ? EINVAL : Glibc.errno)
        }
    }

    /// Waits up to `timeoutMs` and handles what arrived; returns records handled.
    @discardableResult
    public func poll(timeoutMs: Int32) -> Int32 { ring_buffer__poll(rb, timeoutMs) }

    @discardableResult
    public func drain() -> Int32 { ring_buffer__consume(rb) }

    deinit {
        ring_buffer__free(rb)
        box.release()
    }
}
