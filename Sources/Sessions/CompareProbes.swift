import KernelInfo
import Probes

/// The stack and syscall probes a compare run shares across protocols.
final class CompareProbes {
    let mode: CompareMode
    let kallsyms: Kallsyms

    init(mode: CompareMode, backend: Backend, tracker: Tracker, kallsyms: Kallsyms) throws {
        self.mode = mode
        self.kallsyms = kallsyms
    }

    func clear() {}
    func drain() {}
    func detach() {}

    func samples(clientPID: Int32, serverPID: Int32) -> [StackSample] { [] }

    func syscalls(pid: Int32) -> (lines: [String], names: [String]) { ([], []) }
}
