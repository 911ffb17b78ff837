import ArgumentParser

// Placeholder: replaced by the issue that builds `kpath trace`.
struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "trace", abstract: "(not built yet)", shouldDisplay: false)
    func run() throws {
        eprint("kpath: error: `kpath trace` is not built yet")
        throw ExitCode(1)
    }
}
