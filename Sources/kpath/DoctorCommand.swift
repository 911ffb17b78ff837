import ArgumentParser

// Placeholder: replaced by the issue that builds `kpath doctor`.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "doctor", abstract: "(not built yet)", shouldDisplay: false)
    func run() throws {
        eprint("kpath: error: `kpath doctor` is not built yet")
        throw ExitCode(1)
    }
}
