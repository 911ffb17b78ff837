import ArgumentParser
import FoundationEssentials
import Glibc
import KernelInfo
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

/// Colour on stdout only when it is a terminal and NO_COLOR is unset (no-color.org).
func stdoutWantsColor() -> Bool {
    isatty(1) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
}

func eprint(_ s: String) {
    writeAll(2, s + "\n")
}

/// Writes to stdout as it goes (tables appear as they are printed); false once
/// stdout is gone (EPIPE: `| head`), which callers may take as a cue to stop.
@discardableResult
func out(_ s: String) -> Bool {
    if stdoutAbandoned { return false }
    if writeAll(1, s) { return true }
    stdoutAbandoned = true
    return false
}

/// Set once stdout failed (EPIPE) or a stop signal arrived while a write was
/// blocked (the reader stopped reading): later output is dropped instead of
/// blocking again, so SIGINT/SIGTERM always let kpath finish its teardown.
nonisolated(unsafe) var stdoutAbandoned = false

/// write(2) until done: FileHandle.write traps on EPIPE, a plain write returns it.
/// Gives up (false) when a SIGINT/SIGTERM interrupts a blocked write.
@discardableResult
func writeAll(_ fd: Int32, _ s: String) -> Bool {
    var bytes = Array(s.utf8)
    var off = 0
    let signalsBefore = Interrupt.received
    while off < bytes.count {
        let n = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress! + off, $0.count - off) }
        if n < 0 {
            if errno == EINTR && Interrupt.received == signalsBefore { continue }
            return false
        }
        off += n
        // A short write means the pipe was full and a signal cut in.
        if off < bytes.count && Interrupt.received != signalsBefore { return false }
    }
    return true
}

/// Sleeps in short steps until `deadline`, an interrupt, or `stop()` says so.
func waitUntil(_ deadline: Double?, stop: () -> Bool) {
    let start = Date()
    while !Interrupt.requested && !stop() {
        if let d = deadline, Date().timeIntervalSince(start) >= d { return }
        usleep(50_000)
    }
}

/// `HH:MM:SS`, local time (bcc's -T).
func clockTime() -> String {
    var now = time(nil)
    var t = tm()
    localtime_r(&now, &t)
    return cFormat("%02d:%02d:%02d", t.tm_hour, t.tm_min, t.tm_sec)
}

/// `kpath: N functions skipped (...); first: a, b, c` when some refused to attach.
func eprintSkipped(_ r: AttachReport) {
    guard let s = r.skippedSummary else { return }
    eprint("kpath: \(s); first: \(r.skipped.prefix(3).map(\.function).joined(separator: ", "))")
}
