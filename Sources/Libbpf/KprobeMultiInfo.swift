import CLibbpf
import Glibc

/// What a kprobe.multi link says about itself (BPF_OBJ_GET_INFO_BY_FD, 6.9+):
/// each attached address with the cookie it was given. Debian 12's
/// linux/bpf.h predates these fields, so the layout is spelled out here:
/// struct bpf_link_info { u32 type, id, prog_id; union at 16 { kprobe_multi:
/// u64 addrs; u32 count, flags; u64 missed; u64 cookies } }.
public enum KprobeMultiInfo {
    /// `(address, cookie)` of every function of the link (at most `capacity`),
    /// or nil where the kernel does not report cookies (before 6.9) or the call fails.
    public static func addressCookies(_ link: BPFLink, capacity count: Int) -> [(address: UInt64, cookie: UInt64)]? {
        guard count > 0, link.fd >= 0 else { return nil }
        let unset = UInt64.max  // a kernel that ignores the cookies field leaves it
        var addrs = [UInt64](repeating: 0, count: count)
        var cookies = [UInt64](repeating: unset, count: count)
        var info = [UInt8](repeating: 0, count: 256)
        var len = UInt32(info.count)
        let rc: Int32 = addrs.withUnsafeMutableBufferPointer { a in
            cookies.withUnsafeMutableBufferPointer { c in
                info.withUnsafeMutableBytes { raw in
                    raw.storeBytes(of: UInt64(UInt(bitPattern: a.baseAddress)), toByteOffset: 16, as: UInt64.self)
                    raw.storeBytes(of: UInt32(count), toByteOffset: 24, as: UInt32.self)
                    raw.storeBytes(of: UInt64(UInt(bitPattern: c.baseAddress)), toByteOffset: 40, as: UInt64.self)
                    return bpf_obj_get_info_by_fd(link.fd, raw.baseAddress, &len)
                }
            }
        }
        let type = info.withUnsafeBytes { $0.load(fromByteOffset: 0, as: UInt32.self) }
        let got = info.withUnsafeBytes { Int($0.load(fromByteOffset: 24, as: UInt32.self)) }
        // BPF_LINK_TYPE_KPROBE_MULTI is 8; every slot filled, addresses shown (root).
        guard rc == 0, type == 8, got > 0, got <= count,
              !cookies[..<got].contains(unset), !addrs[..<got].contains(0) else { return nil }
        return zip(addrs[..<got], cookies[..<got]).map { (address: $0, cookie: $1) }
    }
}
