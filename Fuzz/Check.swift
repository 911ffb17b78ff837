// Shared by every fuzz target: an invariant that fails is a crash libFuzzer
// reports (and saves the input as crash-*), with the reason on stderr.
import Glibc

func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() {
        fputs("invariant failed: \(message())\n", stderr)
        abort()
    }
}

/// The fuzzer's bytes as lines (lossy UTF-8, NULs dropped: C strings end there).
func lines(_ data: UnsafePointer<UInt8>, _ size: Int) -> [String] {
    let bytes = UnsafeBufferPointer(start: data, count: size).filter { $0 != 0 }
    return String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
}

/// A user's mistake must come back as one line (stderr shows `kpath: error: LINE`).
func isOneLine(_ s: String) -> Bool { !s.isEmpty && !s.contains("\n") && !s.contains("\r") }

/// Runs one parse: a user's mistake (an `E`) must come back as one line, and
/// nothing else may be thrown.
func parsesOrSaysWhy<E: Error & CustomStringConvertible>(_ mistake: E.Type, _ body: () throws -> Void) {
    do {
        try body()
    } catch let e as E {
        check(isOneLine(e.description), "error is one line: \(e.description.debugDescription)")
    } catch {
        check(false, "unexpected error \(error)")
    }
}
