import CLibbpf
import Glibc

/// One program of a BPFObject. Attaching returns a BPFLink that owns the attachment.
public struct BPFProgram {
    let raw: OpaquePointer
    /// Keeps the object alive while a program handle exists.
    public let object: BPFObject

    public var name: String { String(cString: bpf_program__name(raw)) }
    public var fd: Int32 { bpf_program__fd(raw) }

    public var autoload: Bool {
        get { bpf_program__autoload(raw) }
        nonmutating set { bpf_program__set_autoload(raw, newValue) }
    }

    /// For fentry/fexit: the kernel function the program is verified against.
    public func setAttachTarget(_ function: String) throws {
        try check(bpf_program__set_attach_target(raw, 0, function), "set attach target \(function)")
    }

    /// A kprobe on `function` through a perf event (kernel cleans it up when the fd closes);
    /// `retprobe`: a kretprobe, firing when the function returns.
    public func attachKprobe(_ function: String, cookie: UInt64, retprobe: Bool = false) throws -> BPFLink {
        let link = withOpts(bpf_kprobe_opts.self) { opts in
            opts.pointee.bpf_cookie = cookie
            opts.pointee.retprobe = retprobe
            return bpf_program__attach_kprobe_opts(raw, function, opts)
        }
        return try BPFLink.wrap(link, "attach kprobe to \(function)")
    }

    /// One kprobe.multi link for many functions; cookies[i] identifies functions[i].
    /// `retprobe`: the return form (kretprobe.multi).
    public func attachKprobeMulti(_ functions: [String], cookies: [UInt64], retprobe: Bool = false) throws -> BPFLink {
        precondition(functions.count == cookies.count)
        var cstrs = functions.map { strdup($0) }
        defer { cstrs.forEach { free($0) } }
        var cookieCopy = cookies
        let link: OpaquePointer? = cstrs.withUnsafeMutableBufferPointer { symsBuf in
            cookieCopy.withUnsafeMutableBufferPointer { cookieBuf in
                withOpts(bpf_kprobe_multi_opts.self) { opts in
                    symsBuf.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: symsBuf.count) { syms in
                        opts.pointee.syms = syms
                        opts.pointee.cookies = UnsafePointer(cookieBuf.baseAddress)
                        opts.pointee.cnt = symsBuf.count
                        opts.pointee.retprobe = retprobe
                        return bpf_program__attach_kprobe_multi_opts(raw, nil, opts)
                    }
                }
            }
        }
        return try BPFLink.wrap(link, "attach kprobe.multi to \(functions.count) functions")
    }

    /// A tracepoint `category:event`, with a cookie the program reads back.
    public func attachTracepoint(category: String, event: String, cookie: UInt64 = 0) throws -> BPFLink {
        let link = withOpts(bpf_tracepoint_opts.self) { opts in
            opts.pointee.bpf_cookie = cookie
            return bpf_program__attach_tracepoint_opts(raw, category, event, opts)
        }
        return try BPFLink.wrap(link, "attach tracepoint \(category):\(event)")
    }

    /// Attaches using the program's own SEC() (tracepoints named in the section, fentry).
    public func attach() throws -> BPFLink {
        try BPFLink.wrap(bpf_program__attach(raw), "attach program \(name)")
    }

    /// The program's instructions as loaded (after CO-RE relocation), for cloning per fentry target.
    public var loadedInstructions: UnsafeBufferPointer<bpf_insn> {
        UnsafeBufferPointer(start: bpf_program__insns(raw), count: Int(bpf_program__insn_cnt(raw)))
    }
}
