import ArgumentParser

// Placeholder: replaced by the issue that builds `kpath compare`.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "compare", abstract: "(not built yet)", shouldDisplay: false)
    func run() throws {
        eprint("kpath: error: `kpath compare` is not built yet")
        throw ExitCode(1)
    }
}
