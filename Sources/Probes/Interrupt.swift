import Glibc

/// SIGINT/SIGTERM as a flag that long loops (attach, tracing) poll, so that
/// every exit path runs the normal teardown: links destroyed, children reaped.
public enum Interrupt {
    nonisolated(unsafe) private static let flag: UnsafeMutablePointer<Int32> = {
        let p = UnsafeMutablePointer<Int32>.allocate(capacity: 2)
        p.initialize(repeating: 0, count: 2)
        return p
    }()

    public static func install() {
        _ = flag
        _ = received
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            var sa = sigaction()
            sa.__sigaction_handler.sa_handler = { s in Interrupt.raise(s) }
            sigemptyset(&sa.sa_mask)
            sa.sa_flags = 0 // no SA_RESTART: blocking calls return EINTR and loops notice
            sigaction(sig, &sa, nil)
        }
        Glibc.signal(SIGPIPE, SIG_IGN)
        raiseFileLimit()
    }

    /// One kprobe is one perf event fd (plus its link): hundreds of functions
    /// need more than the usual soft limit of 1024 open files.
    public static func raiseFileLimit() {
        let resource = Int32(RLIMIT_NOFILE.rawValue)
        var rl = rlimit()
        guard getrlimit(resource, &rl) == 0 else { return }
        let want: rlim_t = 1 << 20 // fs.nr_open's default; root may raise the hard limit to it
        var raised = rlimit(rlim_cur: max(rl.rlim_max, want), rlim_max: max(rl.rlim_max, want))
        if setrlimit(resource, &raised) != 0 {
            rl.rlim_cur = rl.rlim_max
            setrlimit(resource, &rl)
        }
    }

    static func raise(_ s: Int32) { flag.pointee = s; flag[1] &+= 1 }

    /// How many stop signals have arrived: a signal that lands while output
    /// is blocked (a reader that stopped reading) shows up as a change.
    public static var received: Int32 { flag[1] }

    /// The signal that asked us to stop, 0 if none.
    public static var signal: Int32 { flag.pointee }
    public static var requested: Bool { flag.pointee != 0 }
    public static func reset() { flag.pointee = 0; flag[1] = 0 }
}

public struct Cancelled: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "cancelled" }
}
