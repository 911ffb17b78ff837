import ArgumentParser
import Foundation
import Glibc
import Probes

/// What follows `--` on the command line (the traced command). main.swift
/// splits it off before argument parsing, so patterns and command stay apart.
nonisolated(unsafe) var passthroughCommand: [String] = []

/// Runs a command body; any error becomes one line on stderr and a non-zero exit.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as ExitCode {
        throw e
    } catch is Cancelled {
        eprint("kpath: cancelled")
        throw ExitCode(130)
    } catch {
        eprint("kpath: error: \(oneLine(error))")
        throw ExitCode(1)
    }
}

/// An error's description as one line (libbpf logs, when present, follow on
/// stderr only with --debug).
func oneLine(_ error: Error) -> String {
    let s = String(describing: error)
    return s.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? s
}

func eprint(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}

/// Writes stdout unbuffered enough for pipes (tables appear as they are printed).
func out(_ s: String) {
    FileHandle.standardOutput.write(Data(s.utf8))
}

func parseBackend(_ s: String?) throws -> Backend? {
    guard let s else { return nil }
    guard let b = Backend(rawValue: s) else {
        throw ValidationError("unknown backend \"\(s)\"; choose one of: \(Backend.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return b
}

/// Sleeps in short steps until `deadline`, an interrupt, or `stop()` says so.
func waitUntil(_ deadline: Double?, stop: () -> Bool) {
    let start = Date()
    while !Interrupt.requested && !stop() {
        if let d = deadline, Date().timeIntervalSince(start) >= d { return }
        usleep(50_000)
    }
}

func timestamp() -> String {
    let f = DateFormatter()
    f.dateFormat = "HH:mm:ss"
    return f.string(from: Date())
}
