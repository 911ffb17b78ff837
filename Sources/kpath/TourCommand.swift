import ArgumentParser

// Placeholder: replaced by the issue that builds `kpath tour`.
struct TourCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tour", abstract: "(not built yet)", shouldDisplay: false)
    func run() throws {
        eprint("kpath: error: `kpath tour` is not built yet")
        throw ExitCode(1)
    }
}
