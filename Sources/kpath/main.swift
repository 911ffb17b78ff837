// kpath: see README.md. Each subcommand parses its flags, runs a session
// (Sources/Sessions) and hands the result to a report (Sources/Reports).
import ArgumentParser
import BuildInfo
import Glibc
import KernelInfo
import Reports
import Sessions
import Workload

// A child started held (HeldProcess) re-executes kpath as its trampoline:
// it waits for the go-ahead, then execs the real command. Keep this first.
HeldProcess.runTrampolineIfRequested()
Timing.mark("main")


struct KPath: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kpath",
        abstract: "See what the Linux kernel does beneath a socket call.",
        version: "kpath \(String(cString: kpath_version())) (commit \(String(cString: kpath_commit())))",
        subcommands: [CompareCommand.self, FunccountCommand.self, GraphCommand.self, StacksCommand.self, TraceCommand.self,
                      SyscallsCommand.self, DiffCommand.self, DoctorCommand.self, TourCommand.self, EchoCommand.self,
                      BPFIdsCommand.self])
}

// `kpath funccount 'tcp_*' -- CMD ARGS`: everything after the first `--` is the
// traced command, kept away from the subcommand's own arguments.
var args = Array(CommandLine.arguments.dropFirst())
if let dash = args.firstIndex(of: "--"), ["funccount", "graph", "stacks", "trace", "syscalls"].contains(args.first ?? "") {
    passthroughCommand = Array(args[(dash + 1)...])
    args = Array(args[..<dash])
    if passthroughCommand.isEmpty {
        failOneLine("nothing after `--`: give the command to trace, e.g. -- kpath echo client --proto tcp --to 127.0.0.1:7777", code: 64)
    }
}

/// Bad input gets one line on stderr and a non-zero exit; help and --version print as usual.
func failOneLine(_ message: String, code: Int32) -> Never {
    eprint("kpath: error: \(message)")
    exit(code)
}

/// `kpath echo client` for `echo client --to x`: the deepest subcommand named.
func helpCommand(_ args: [String]) -> String {
    var words = ["kpath"]
    var command: ParsableCommand.Type = KPath.self
    for a in args {
        guard let sub = command.configuration.subcommands.first(where: { $0._commandName == a }) else { break }
        words.append(a)
        command = sub
    }
    return words.joined(separator: " ")
}

do {
    var command = try KPath.parseAsRoot(args)
    Timing.mark("arguments parsed")
    try command.run()
} catch {
    let code = KPath.exitCode(for: error)
    if code == .success || error is CleanExit {
        KPath.exit(withError: error)
    } else if error is ExitCode {
        exit(code.rawValue)
    } else if let own = BadOptionValue.within(error) {
        failOneLine(own.description, code: code.rawValue)
    } else {
        var message = KPath.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
        if message.hasPrefix("Error: ") { message = String(message.dropFirst(7)) }
        // ArgumentParser's own messages ("Unknown option '--x'") start upper-case
        // and say nothing of what to do; ours already do.
        if let first = message.first, first.isUppercase {
            message = first.lowercased() + message.dropFirst() + "; see `\(helpCommand(args)) --help`"
        }
        failOneLine(message, code: code.rawValue)
    }
}
