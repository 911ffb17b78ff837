// A child process started *held*: created and parked before exec, so that
// probes can be attached to its PID before it runs anything of its own.
//
//   parent                                child (kpath __held FD PATH ARGS...)
//   socketpair(SOCK_CLOEXEC)
//   posix_spawn(kpath, "__held", FD, ...) -> prctl(PR_SET_PDEATHSIG, SIGKILL)
//                                            getppid() unchanged? else exit 126
//   read 1 byte  <------------- "ready" ---- send(FD, 1 byte)
//   (attach probes to pid)                   read(FD, 1 byte)   [blocked]
//   release(): send 1 byte ----- "go" ---->  execv(PATH, ARGS)  [same PID]
//
// EOF on FD (the parent died, or the HeldProcess went away unreleased) makes
// the trampoline exit 126 quietly. The channel is a socketpair (a two-way
// pipe) so that the child can say it is parked, and so that neither side
// can get SIGPIPE (send with MSG_NOSIGNAL).
//
// PR_SET_PDEATHSIG fires when the parent *thread* exits, not the process:
// create HeldProcess on the main thread (or on a thread that outlives the
// child), or the child is SIGKILLed when that thread ends. The death signal
// survives exec, so the released command also dies with kpath.
import Glibc

public final class HeldProcess: @unchecked Sendable {
    /// Where the child's standard output goes (stderr is always inherited,
    /// so its errors stay visible).
    public enum Output: Equatable, Sendable {
        case inherit
        case discard
        /// Created or truncated, mode 0644.
        case file(String)
        /// Standard output and standard error both into the file (sessions that judge what the child said).
        case fileAndErrors(String)
    }

    /// The child's PID: the trampoline's now, the command's after release
    /// (exec keeps the PID).
    public let pid: pid_t
    /// The resolved path that will be exec'd.
    public let executable: String
    public let arguments: [String]
    /// A name for messages: "server", "client", "command".
    public let role: String

    private let lock = Mutex()
    private var control: Int32
    private var released = false
    private var status: Int32?

    /// The binary used as trampoline: it must call
    /// `HeldProcess.runTrampolineIfRequested()` first thing. nil means
    /// kpath's own binary (`selfExecutable`). Tests point it at a built kpath.
    nonisolated(unsafe) public static var trampolineExecutable: String?

    /// Set to "1" in every held child's environment.
    public static let environmentMarker = "KPATH_HELD"

    /// The path of the running binary (readlink /proc/self/exe).
    public static var selfExecutable: String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return CommandLine.arguments.first ?? "kpath" }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Starts `executable` (a name searched in PATH, or a path) with
    /// `arguments` as a child parked before exec, and returns once it is
    /// parked (or throws). Spawn from the main thread; see above.
    /// `argv0`: the command's argv[0] (the name as typed, like a shell or
    /// strace gives it); the resolved path when nil. `markEnvironment`:
    /// add KPATH_HELD=1 (off for `kpath syscalls`, whose command gets the
    /// user's environment unchanged, as under strace).
    public init(executable: String, arguments: [String], role: String, output: Output = .inherit,
                readyTimeout: Double = 10, argv0: String? = nil, markEnvironment: Bool = true,
                newNetworkNamespace: Bool = false) throws {
        let path = try HeldProcess.resolveExecutable(executable)
        self.executable = path
        self.arguments = arguments
        self.role = role
        let trampoline = HeldProcess.trampolineExecutable ?? HeldProcess.selfExecutable

        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | sockCloexec, 0, &pair) == 0 else {
            throw WorkloadError.spawnFailed(role, reason: "socketpair: \(errnoText(errno))")
        }
        let (parentEnd, childEnd) = (pair[0], pair[1])

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 onto itself clears FD_CLOEXEC in the child only (glibc >= 2.29).
        posix_spawn_file_actions_adddup2(&actions, childEnd, childEnd)
        switch output {
        case .inherit: break
        case .discard: posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        case let .file(file): posix_spawn_file_actions_addopen(&actions, 1, file, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        case let .fileAndErrors(file):
            posix_spawn_file_actions_addopen(&actions, 1, file, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // No blocked signals (kpath blocks SIGINT/SIGTERM for its sigwait
        // thread) and no ignored ones (kpath ignores SIGPIPE): both would
        // survive exec into the command.
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGALRM, SIGTERM, SIGUSR1, SIGUSR2, SIGCHLD,
                  SIGTSTP, SIGTTIN, SIGTTOU, SIGURG, SIGXFSZ, SIGWINCH] {
            sigaddset(&defaults, s)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        // "__held-netns": the trampoline unshares CLONE_NEWNET before it parks (compare --peer netns).
        let argvStrings = [trampoline, newNetworkNamespace ? "__held-netns" : "__held", String(childEnd), path, argv0 ?? path] + arguments
        var argv: [UnsafeMutablePointer<CChar>?] = argvStrings.map { strdup($0) }
        argv.append(nil)
        defer { for p in argv { free(p) } }

        // The environment, plus KPATH_HELD=1 (the echo client then leaves
        // the session's stdin alone).
        var envp: [UnsafeMutablePointer<CChar>?] = []
        var cursor: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = environ
        while let entry = cursor?.pointee {
            if strncmp(entry, HeldProcess.environmentMarker + "=", HeldProcess.environmentMarker.utf8.count + 1) != 0 {
                envp.append(strdup(entry))
            }
            cursor = cursor! + 1
        }
        if markEnvironment { envp.append(strdup(HeldProcess.environmentMarker + "=1")) }
        envp.append(nil)
        defer { for p in envp { free(p) } }

        var child: pid_t = 0
        let rc = posix_spawn(&child, trampoline, &actions, &attributes, argv, envp)
        close(childEnd)
        guard rc == 0 else {
            close(parentEnd)
            var reason = errnoText(rc)
            if case let .file(file) = output { reason += " (trampoline \(trampoline), output \(file))" }
            throw WorkloadError.spawnFailed("\(role) \(path)", reason: reason)
        }
        self.pid = child
        self.control = parentEnd

        // Wait for "ready": the child is parked in read(2) before exec.
        let deadline = monotonicSeconds() + readyTimeout
        var ready = false, noNamespace = false
        while true {
            var pfd = pollfd(fd: parentEnd, events: Int16(POLLIN), revents: 0)
            let left = Int32(max(0, min(deadline - monotonicSeconds(), 3600)) * 1000)
            let p = poll(&pfd, 1, left)
            if p < 0 && errno == EINTR { continue }
            if p > 0 {
                var byte: UInt8 = 0
                ready = read(parentEnd, &byte, 1) == 1 && byte == 1
                noNamespace = byte == 2
            }
            break
        }
        if !ready {
            kill(child, SIGKILL)
            var raw: Int32 = 0
            while waitpid(child, &raw, 0) < 0 && errno == EINTR {}
            status = HeldProcess.decode(raw)
            close(parentEnd)
            control = -1
            if noNamespace {
                throw WorkloadError.spawnFailed(role, reason: "cannot create a network namespace (unshare CLONE_NEWNET): it needs root or CAP_SYS_ADMIN")
            }
            throw WorkloadError.spawnFailed("\(role) \(path)",
                                            reason: "the trampoline \(trampoline) did not report ready (is it kpath?)")
        }
    }

    deinit {
        if status == nil {
            kill(pid, SIGKILL)
            var raw: Int32 = 0
            while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
        }
        if control >= 0 { close(control) }
    }

    /// Still parked before exec.
    public var isHeld: Bool { lock.withLock { !released && status == nil } }

    /// Not yet exited (reaps it, without blocking, if it has).
    public var isRunning: Bool {
        lock.withLock {
            if status != nil { return false }
            var raw: Int32 = 0
            if waitpid(pid, &raw, WNOHANG) == pid {
                status = HeldProcess.decode(raw)
                return false
            }
            return true
        }
    }

    /// Lets the child exec the command. A second call does nothing. Throws
    /// if the child is already gone.
    public func release() throws {
        try lock.withLock {
            if released { return }
            var raw: Int32 = 0
            if status == nil, waitpid(pid, &raw, WNOHANG) == pid { status = HeldProcess.decode(raw) }
            if let status { throw WorkloadError.notRunning(role: role, pid: pid, status: status) }
            var go: UInt8 = 1
            let sent = send(control, &go, 1, Int32(MSG_NOSIGNAL))
            let code = errno
            close(control)
            control = -1
            released = true
            if sent != 1 {
                throw WorkloadError.spawnFailed("\(role) \(executable)", reason: "release: \(errnoText(code))")
            }
        }
    }

    /// Waits for the child to exit: its exit code, or 128+signal. Release it
    /// (or terminate it) first: a held child waits forever.
    @discardableResult
    public func wait() -> Int32 {
        if let done = lock.withLock({ status }) { return done }
        var raw: Int32 = 0
        while true {
            let r = waitpid(pid, &raw, 0)
            if r == pid { break }
            if r < 0 && errno == EINTR { continue }
            // ECHILD: reaped by a concurrent isRunning/wait.
            for _ in 0..<1000 {
                if let done = lock.withLock({ status }) { return done }
                usleep(1000)
            }
            return -1
        }
        return lock.withLock {
            if status == nil { status = HeldProcess.decode(raw) }
            return status!
        }
    }

    /// Sends a signal (SIGTERM by default) unless the child was reaped.
    public func terminate(signal: Int32 = SIGTERM) {
        lock.withLock {
            if status == nil { kill(pid, signal) }
        }
    }

    static func decode(_ raw: Int32) -> Int32 {
        let low = raw & 0x7f
        return low == 0 ? (raw >> 8) & 0xff : 128 + low
    }

    /// Finds a command as execvp(3) would: a name with a slash is taken as
    /// a path; otherwise each PATH entry is tried. Throws
    /// `command not found: NAME` when there is no executable regular file.
    public static func resolveExecutable(_ name: String) throws -> String {
        func isExecutableFile(_ path: String) -> Bool {
            var st = stat()
            guard stat(path, &st) == 0, st.st_mode & 0o170000 == 0o100000 else { return false }
            return access(path, X_OK) == 0
        }
        guard !name.isEmpty else { throw WorkloadError.commandNotFound("\"\"") }
        if name.contains("/") {
            guard isExecutableFile(name) else { throw WorkloadError.commandNotFound(name) }
            return name
        }
        let search = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in search.split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (dir.isEmpty ? "." : String(dir)) + "/" + name
            if isExecutableFile(candidate) { return candidate }
        }
        throw WorkloadError.commandNotFound(name)
    }

    /// The trampoline: when kpath runs as `kpath __held FD PATH ARGV0 [ARGS...]`,
    /// park until released, then exec PATH; never returns in that case.
    /// Otherwise returns at once. Call it first thing in main.
    public static func runTrampolineIfRequested() {
        guard CommandLine.argc > 2, let second = CommandLine.unsafeArgv[1], strcmp(second, "__held") == 0 || strcmp(second, "__held-netns") == 0 else { return }
        let args = CommandLine.arguments
        guard args.count >= 5, let fd = Int32(args[2]), fd >= 0 else {
            fputs("kpath: error: usage: kpath __held FD PATH ARGV0 [ARGS...] (internal to HeldProcess)\n", stderr)
            exit(2)
        }
        let parent = getppid()
        // prctl is variadic in C, so Swift cannot import it: call it by symbol.
        typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "prctl") {
            let prctl = unsafeBitCast(symbol, to: Prctl.self)
            _ = prctl(1 /* PR_SET_PDEATHSIG */, UInt(SIGKILL), 0, 0, 0)
        }
        if getppid() != parent { _exit(126) }
        var byte: UInt8 = 1
        // A network namespace of its own, empty but for lo (byte 2 tells the parent it failed).
        if args[1] == "__held-netns" && PeerLink.unshareNetwork() != 0 {
            byte = 2
            _ = send(fd, &byte, 1, Int32(MSG_NOSIGNAL))
            _exit(126)
        }
        if send(fd, &byte, 1, Int32(MSG_NOSIGNAL)) != 1 { _exit(126) }
        while true {
            let n = read(fd, &byte, 1)
            if n == 1 { break }
            if n < 0 && errno == EINTR { continue }
            _exit(126)  // EOF: parent gone or not released
        }
        close(fd)
        let path = args[3]
        var argv: [UnsafeMutablePointer<CChar>?] = args[4...].map { strdup($0) }
        argv.append(nil)
        execv(path, argv)
        let code = errno
        fputs("kpath: error: cannot run \(path): \(errnoText(code))\n", stderr)
        _exit(code == ENOENT ? 127 : 126)
    }
}
