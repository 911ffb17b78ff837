import ArgumentParser

// Placeholder: replaced by the issue that builds `kpath stacks`.
struct StacksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stacks", abstract: "(not built yet)", shouldDisplay: false)
    func run() throws {
        eprint("kpath: error: `kpath stacks` is not built yet")
        throw ExitCode(1)
    }
}
