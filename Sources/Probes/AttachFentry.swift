import BPFObjects
import KernelInfo
import Libbpf

/// fentry: the kernel wants one program per target (its BTF id is fixed at
/// load), so the loaded program is cloned per function (Libbpf's
/// cloneFentry); hits are told apart by address (bpf_get_func_ip).
extension FunctionProbes {
    func attachFentry(_ program: BPFProgram, index: BPFMap, kallsyms: Kallsyms, _ report: inout AttachReport) throws {
        let btf = try VmlinuxBTF()
        var addrOf: [String: UInt64] = [:]
        for s in kallsyms.symbols where s.isText && s.module == nil && addrOf[s.name] == nil { addrOf[s.name] = s.address }
        for (i, f) in functions.enumerated() {
            if Interrupt.requested { throw Cancelled() }
            guard let id = btf.functionID(f), let addr = addrOf[f] else {
                report.skipped.append(SkippedFunction(function: f, reason: "no BTF for it (module or renamed function)"))
                continue
            }
            do {
                // bpf_get_func_ip may report the address past an ENDBR64 (IBT kernels): key both.
                try index.update(key: addr, value: UInt32(i))
                try index.update(key: addr + 4, value: UInt32(i))
                keep(try program.cloneFentry(attachBTFID: id, name: f))
                report.attached.append(i)
            } catch let e as BPFError {
                report.skipped.append(SkippedFunction(function: f, reason: e.errnoText))
            }
        }
    }

    /// Why this kernel refuses fentry (nil: it takes it), tried once: funccount's
    /// fentry program loaded against tcp_v4_connect and attached.
    static let fentryRefusal: String? = {
        do {
            let obj = try BPFObject(name: "funccount", bytes: BPFObjects.bytes(.funccount))
            for p in obj.programs { p.autoload = p.name == "count_fentry" }
            try obj.map("counts").setMaxEntries(KP_SLOTS_COUNT)
            try obj.load()
            try obj.program("count_fentry").attach().detach()
            return nil
        } catch let e as BPFError {
            return "fentry refused (\(e.errnoText))"
        } catch {
            return "\(error)"
        }
    }()
}
