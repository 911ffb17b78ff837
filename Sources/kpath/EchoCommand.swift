import ArgumentParser
struct EchoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "echo", abstract: "The article's echo client and server.")
}
