import CLibbpf
import Glibc

/// One BPF ELF object (a compiled bpf/*.bpf.c): its programs and maps. Opening
/// parses it; load() creates the maps and verifies the programs in the kernel;
/// deinit closes everything. Links made from its programs are separate owners.
public final class BPFObject {
    let raw: OpaquePointer
    public let name: String
    private let bytes: UnsafeMutableRawBufferPointer

    public init(name: String, bytes elf: [UInt8]) throws {
        LibbpfLog.install()
        self.name = name
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: elf.count, alignment: 8)
        buf.copyBytes(from: elf)
        bytes = buf
        let obj = name.withCString { cname -> OpaquePointer? in
            withOpts(bpf_object_open_opts.self) { opts in
                opts.pointee.object_name = cname
                return bpf_object__open_mem(buf.baseAddress, elf.count, opts)
            }
        }
        guard let obj, libbpf_get_error(UnsafeRawPointer(obj)) == 0 else {
            let err = Glibc.errno
            buf.deallocate()
            throw BPFError("open BPF object \(name)", errno: err == 0 ? EINVAL : err, log: LibbpfLog.take())
        }
        raw = obj
    }

    deinit {
        bpf_object__close(raw)
        bytes.deallocate()
    }

    public func program(_ name: String) throws -> BPFProgram {
        BPFProgram(raw: try find("program", name) { bpf_object__find_program_by_name(raw, $0) }, object: self)
    }

    public var programs: [BPFProgram] {
        libbpfList { bpf_object__next_program(raw, $0) }.map { BPFProgram(raw: $0, object: self) }
    }

    public func map(_ name: String) throws -> BPFMap {
        BPFMap(raw: try find("map", name) { bpf_object__find_map_by_name(raw, $0) }, object: self)
    }

    public var maps: [BPFMap] {
        libbpfList { bpf_object__next_map(raw, $0) }.map { BPFMap(raw: $0, object: self) }
    }

    /// A program or map by name; ENOENT naming it and this object when there is none.
    private func find(_ kind: String, _ name: String, _ lookup: (String) -> OpaquePointer?) throws -> OpaquePointer {
        guard let p = lookup(name) else { throw BPFError("find \(kind) \(name) in \(self.name)", errno: ENOENT) }
        return p
    }

    /// Creates the maps and loads every program whose autoload is on.
    public func load() throws {
        _ = LibbpfLog.take()
        try check(bpf_object__load(raw), "load BPF object \(name)")
    }

    /// Makes this (not yet loaded) object use `other`'s map of the same name, so
    /// several objects share one kernel map (kpath's shared tracking state).
    public func shareMaps(_ names: [String], with other: BPFObject) throws {
        for n in names {
            let mine = try map(n)
            let theirs = try other.map(n)
            try check(bpf_map__reuse_fd(mine.raw, theirs.fd), "share map \(n) between \(name) and \(other.name)")
        }
    }

    /// Sets a `const volatile` global in .rodata before load.
    public func setRodata<T>(_ symbol: String, _ value: T) throws {
        guard let m = bpf_object__find_map_by_name(raw, "\(name).rodata") ?? findRodata() else {
            throw BPFError("find .rodata of \(name)", errno: ENOENT)
        }
        var size = 0
        guard let data = bpf_map__initial_value(m, &size) else {
            throw BPFError("read .rodata of \(name)", errno: ENOENT)
        }
        guard let btf = bpf_object__btf(raw) else { throw BPFError("BTF of \(name)", errno: ENOENT) }
        let offset = try rodataOffset(btf: btf, symbol: symbol)
        withUnsafeBytes(of: value) { src in
            UnsafeMutableRawPointer(mutating: data + offset).copyMemory(from: src.baseAddress!, byteCount: src.count)
        }
    }

    private func findRodata() -> OpaquePointer? {
        var m = bpf_object__next_map(raw, nil)
        while let cur = m {
            if let n = bpf_map__name(cur), String(cString: n).hasSuffix(".rodata") { return cur }
            m = bpf_object__next_map(raw, cur)
        }
        return nil
    }

    private func rodataOffset(btf: OpaquePointer, symbol: String) throws -> Int {
        let id = btf__find_by_name_kind(btf, ".rodata", 15 /* BTF_KIND_DATASEC */)
        guard id > 0, let t = btf__type_by_id(btf, UInt32(id)) else {
            throw BPFError("find .rodata section in \(name)", errno: ENOENT)
        }
        let vlen = Int(t.pointee.info & 0xffff)
        let secinfo = UnsafeRawPointer(t).advanced(by: MemoryLayout<btf_type>.size)
            .assumingMemoryBound(to: btf_var_secinfo.self)
        for i in 0..<vlen {
            let vi = secinfo[i]
            guard let vt = btf__type_by_id(btf, vi.type),
                  let vname = btf__name_by_offset(btf, vt.pointee.name_off) else { continue }
            if String(cString: vname) == symbol { return Int(vi.offset) }
        }
        throw BPFError("find global \(symbol) in \(name)", errno: ENOENT)
    }
}

/// A libbpf walk (`next(nil)`, then `next(previous)` until NULL) as an array.
private func libbpfList(_ next: (OpaquePointer?) -> OpaquePointer?) -> [OpaquePointer] {
    var out: [OpaquePointer] = []
    var p = next(nil)
    while let cur = p {
        out.append(cur)
        p = next(cur)
    }
    return out
}
