/// How a syscall record prints as a strace line (strace's -f, -tt, -T, -s):
/// a Reports concern; `StraceFormat.line` takes it.
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
}
