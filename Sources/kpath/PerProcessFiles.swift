import Glibc
import Reports
import Sessions

/// strace -ff -o FILE: one file per thread, FILE.TID, its lines without
/// `[pid N]` (the file name says whose they are).
struct PerProcessFiles {
    let base: String
    let options: Strace.Options
    private var files: [Int32: Int32] = [:]

    init(base: String, options: Strace.Options) {
        self.base = base
        var o = options
        o.pidPrefix = false
        self.options = o
    }

    /// Appends each record's line to its thread's file; false when a file cannot be written.
    mutating func write(_ records: [SyscallRecord]) -> Bool {
        for r in records where !r.isEntry {
            guard let fd = file(r.tid) else { return false }
            if !writeAll(fd, StraceFormat.line(r, options) + "\n") { return false }
        }
        return true
    }

    /// `+++ exited with N +++` into the command's file.
    mutating func exited(pid: Int32, status: Int32) -> Bool {
        guard let fd = file(pid) else { return false }
        return writeAll(fd, StraceFormat.exitLine(status: status) + "\n")
    }

    private mutating func file(_ tid: Int32) -> Int32? {
        if let fd = files[tid] { return fd }
        let path = base + "." + String(tid)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 {
            eprint("kpath: error: cannot write -o \"\(path)\": \(String(cString: strerror(errno))) (give a writable path)")
            return nil
        }
        files[tid] = fd
        return fd
    }

    mutating func closeAll() {
        for fd in files.values { close(fd) }
        files = [:]
    }
}
