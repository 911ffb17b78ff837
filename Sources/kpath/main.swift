// kpath: see README.md. Each subcommand parses its flags, runs a session
// (Sources/Sessions) and hands the result to a report (Sources/Reports).
import ArgumentParser
import Workload

// A child started held (HeldProcess) re-executes kpath as its trampoline:
// it waits for the go-ahead, then execs the real command. Keep this first.
HeldProcess.runTrampolineIfRequested()

struct KPath: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kpath",
        abstract: "See what the Linux kernel does beneath a socket call.",
        subcommands: [EchoCommand.self])
}

KPath.main()
