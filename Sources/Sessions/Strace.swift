/// The one place Sessions asks for strace text: compare keeps its client's
/// calls as lines (ProtocolRun.syscalls, which Claims reads). Sessions do not
/// render: Reports' StraceFormat does, and the kpath executable installs it
/// here at start. Goes away once compare keeps SyscallRecords (typed:
/// SyscallCollector.records(pids:)) and its reports print them.
public enum Strace {
    /// How a record becomes a line (strace's -f, -tt, -T, -s).
    public struct Options: Sendable {
        /// `[pid N] ` before the line (strace -f with several threads).
        public var pidPrefix = false
        /// `HH:MM:SS.uuuuuu ` (strace -tt), local time at entry.
        public var timestamp = false
        /// ` <0.000123>` after the result (strace -T).
        public var duration = false
        /// Bytes of a buffer shown before `...` (strace -s, default 32; at most 4096, KP_DATA_MAX, are recorded).
        public var stringLimit = 32
        /// Pad short calls so ` = ` starts at column 40, as strace does.
        public var align = true
        /// strace -x (1: strings with non-printable bytes in hex) and -xx (2: all strings in hex).
        public var hexStrings = 0
        public init(pidPrefix: Bool = false, timestamp: Bool = false, duration: Bool = false, stringLimit: Int = 32, align: Bool = true,
                    hexStrings: Int = 0) {
            self.pidPrefix = pidPrefix; self.timestamp = timestamp; self.duration = duration
            self.stringLimit = stringLimit; self.align = align; self.hexStrings = hexStrings
        }
    }

    /// Set once by the kpath executable (`StraceFormat.line`); fails loudly
    /// when missing rather than letting claims judge made-up lines.
    nonisolated(unsafe) public static var render: (SyscallRecord, Options) -> String = { _, _ in
        preconditionFailure("Strace.render is not set: install Reports' StraceFormat.line first")
    }

    public static func line(_ r: SyscallRecord, _ o: Options = Options()) -> String { render(r, o) }
}
