import BPFObjects
import Libbpf

/// One kprobe per function: slow on big lists (one perf event and kprobe
/// each), but everywhere.
extension FunctionProbes {
    /// With `keys` (HitKey.address) each function's address is filed first and
    /// no cookie is passed.
    func attachEach(_ program: BPFProgram, _ returns: BPFProgram?, _ keys: AddressKeys?, _ report: inout AttachReport) throws {
        var keys = keys
        for (i, f) in functions.enumerated() {
            if Interrupt.requested { throw Cancelled() }
            do {
                if keys != nil, let why = try keys!.add(f, index: i) {
                    report.skipped.append(SkippedFunction(function: f, reason: why))
                    continue
                }
                let cookie: UInt64 = keys == nil ? UInt64(i) : 0
                try keepPair(returns.map { r in { try r.attachKprobe(f, cookie: cookie, retprobe: true) } }) {
                    try program.attachKprobe(f, cookie: cookie)
                }
                report.attached.append(i)
            } catch let e as BPFError {
                report.skipped.append(SkippedFunction(function: f, reason: e.errnoText))
            }
        }
    }

    /// Functions present on every kernel kpath supports, to try a backend on.
    static let probeFunctions = ["tcp_v4_connect", "vfs_read", "ksys_read", "__x64_sys_getpid"]

    /// Why this kernel refuses the kprobe programs funccount and stacks will
    /// use (nil: it takes them), tried once: each is loaded (HitKey.current
    /// picks the variant) and attached to one always-present function.
    static let kprobeRefusal: String? = {
        let cookie = HitKey.current == .cookie
        let programs: [(BPFObjectName, String)] = [(.funccount, cookie ? "count_kprobe" : "count_kprobe_ip"),
                                                   (.stacks, cookie ? "stack_kprobe" : "stack_kprobe_ip")]
        do {
            let tracker = try Tracker()
            for (name, program) in programs {
                let obj = try BPFObject(name: name.rawValue, bytes: BPFObjects.bytes(name))
                try tracker.share(into: obj)
                for p in obj.programs { p.autoload = p.name == program }
                if name == .funccount { try obj.setRodata("use_phases", UInt8(1)) }  // compare's path
                // small maps: only the program's acceptance is in question
                for m in obj.maps where ["counts", "stack_traces", "stack_counts"].contains(m.name) { try m.setMaxEntries(64) }
                if name == .stacks { try obj.map("hit_events").setMaxEntries(4096) }
                try obj.load()
                var last: BPFError? = nil
                var attached = false
                for f in probeFunctions where !attached {
                    do {
                        try obj.program(program).attachKprobe(f, cookie: 0).detach()
                        attached = true
                    } catch let e as BPFError { last = e }
                }
                if !attached { throw last! }
            }
            return nil
        } catch let e as BPFError {
            return "kprobe program refused (\(e.errnoText))"
        } catch {
            return "\(error)"
        }
    }()
}
