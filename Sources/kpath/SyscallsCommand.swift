import ArgumentParser

// Placeholder: replaced by the issue that builds `kpath syscalls`.
struct SyscallsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "syscalls", abstract: "(not built yet)", shouldDisplay: false)
    func run() throws {
        eprint("kpath: error: `kpath syscalls` is not built yet")
        throw ExitCode(1)
    }
}
