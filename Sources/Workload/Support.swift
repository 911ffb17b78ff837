// Small POSIX helpers shared by the echo client, server, bench and
// HeldProcess. Workload depends on Glibc only: no Foundation, so that what
// the workload does on its sockets is exactly the syscalls written here.
import Glibc

/// A pthread mutex (Workload keeps off Foundation).
final class Mutex: @unchecked Sendable {
    private let m: UnsafeMutablePointer<pthread_mutex_t>
    init() {
        m = .allocate(capacity: 1)
        m.initialize(to: pthread_mutex_t())
        pthread_mutex_init(m, nil)
    }
    deinit {
        pthread_mutex_destroy(m)
        m.deallocate()
    }
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(m)
        defer { pthread_mutex_unlock(m) }
        return try body()
    }
}

private final class ThreadBody {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}

/// Starts a pthread running `body`; nil if the thread could not be created.
/// The caller joins it (`pthread_join`) or detaches it.
func startThread(_ body: @escaping () -> Void) -> pthread_t? {
    let context = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    var thread = pthread_t()
    let rc = pthread_create(&thread, nil, { raw in
        Unmanaged<ThreadBody>.fromOpaque(raw!).takeRetainedValue().run()
        return nil
    }, context)
    if rc != 0 {
        Unmanaged<ThreadBody>.fromOpaque(context).release()
        return nil
    }
    return thread
}

/// Monotonic clock in seconds (vDSO: no syscall).
func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// strerror text in Go's style: "connection refused", "i/o timeout".
func errnoText(_ code: Int32) -> String {
    var text = String(cString: strerror(code))
    if let first = text.first, first.isUppercase, text.dropFirst().first?.isLowercase ?? true {
        text = first.lowercased() + text.dropFirst()
    }
    return text
}

/// A timeval for SO_RCVTIMEO / SO_SNDTIMEO. Rounded up to at least 1 µs
/// (a zero timeval would mean "no timeout") and capped far out.
func timevalFor(seconds: Double) -> timeval {
    let clamped = min(max(seconds, 0), 1e9)
    let micros = max(1, Int((clamped * 1e6).rounded(.up)))
    return timeval(tv_sec: micros / 1_000_000, tv_usec: micros % 1_000_000)
}

/// setsockopt(fd, SOL_SOCKET, option, timeval): one syscall.
@discardableResult
func setSocketTimeout(_ fd: Int32, _ option: Int32, seconds: Double) -> Int32 {
    var tv = timevalFor(seconds: seconds)
    return setsockopt(fd, SOL_SOCKET, option, &tv, socklen_t(MemoryLayout<timeval>.size))
}

let sockCloexec = Int32(SOCK_CLOEXEC.rawValue)

/// accept4(fd, addr, len, SOCK_CLOEXEC): one syscall, as Go's listeners do.
/// Glibc's module only declares accept4 under _GNU_SOURCE, so it is called
/// by symbol; plain accept(2) is the fallback.
func acceptCloexec(_ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>,
                   _ length: UnsafeMutablePointer<socklen_t>) -> Int32 {
    if let accept4 = accept4Function { return accept4(fd, address, length, sockCloexec) }
    return accept(fd, address, length)
}
private typealias Accept4 = @convention(c) (Int32, UnsafeMutablePointer<sockaddr>?,
                                             UnsafeMutablePointer<socklen_t>?, Int32) -> Int32
private let accept4Function: Accept4? = {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "accept4") else { return nil }
    return unsafeBitCast(symbol, to: Accept4.self)
}()

/// Ignores SIGPIPE process-wide, once: a write to a peer that went away
/// then fails with EPIPE instead of killing the process. Children started
/// by HeldProcess get the default disposition back.
func ignoreSIGPIPE() {
    _ = sigpipeIgnored
}
private let sigpipeIgnored: Bool = {
    signal(SIGPIPE, SIG_IGN)
    return true
}()

/// Blocks a set of signals in the calling thread (and so in every thread it
/// starts afterwards) and hands each delivery to a handler on a dedicated
/// sigwait(3) thread. Make it on the main thread before any other thread is
/// started, so that no thread is left where the signal's default action
/// (terminate) could still run. Children started by HeldProcess get an
/// empty signal mask back.
public final class SignalWatcher: @unchecked Sendable {
    private var set = sigset_t()
    public let signals: [Int32]

    public init(signals: [Int32] = [SIGINT, SIGTERM]) {
        self.signals = signals
        sigemptyset(&set)
        for s in signals { sigaddset(&set, s) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Starts the waiting thread; `handler` runs on it, once per delivery.
    public func start(_ handler: @escaping (Int32) -> Void) {
        var set = self.set
        let thread = startThread {
            while true {
                var sig: Int32 = 0
                if sigwait(&set, &sig) == 0 { handler(sig) }
            }
        }
        if let thread { pthread_detach(thread) }
    }
}
