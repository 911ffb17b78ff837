import Dispatch
import Glibc
import Synchronization
import FoundationEssentials
import KernelInfo
import Libbpf

/// What happened when kpath attached to a list of functions.
public struct AttachReport: Codable, Sendable {
    public var backend: Backend
    public var requested: Int
    /// Attached functions' indices into the requested list.
    public var attached: [Int]
    /// Functions that refused, with the reason (errno text).
    public var skipped: [SkippedFunction]
    public var seconds: Double
    /// kprobe.multi links made (more than 1 when a refused batch was bisected).
    public var links: Int

    public var attachedCount: Int { attached.count }

    init(backend: Backend, requested: Int) {
        self.backend = backend; self.requested = requested
        attached = []; skipped = []; seconds = 0; links = 0
    }

    /// "12 skipped: 10 Invalid argument, 2 No such file or directory".
    public var skippedSummary: String? {
        guard !skipped.isEmpty else { return nil }
        var byReason: [String: Int] = [:]
        for s in skipped { byReason[s.reason, default: 0] += 1 }
        let parts = byReason.sorted { $0.value > $1.value }.map { "\($0.value) \($0.key)" }
        return "\(skipped.count) skipped (\(parts.joined(separator: ", ")))"
    }
}

public struct SkippedFunction: Codable, Sendable {
    public var function: String
    public var reason: String
}

/// Attaches one program to many functions in one of three modes, the
/// backends: kprobe.multi (AttachMulti.swift), a kprobe each
/// (AttachEach.swift) or an fentry clone each (AttachFentry.swift). Each mode
/// tells the program which function fired its own way: the cookie (the
/// function's index), or where there is none (fentry, kprobes before 5.15) the
/// address, filed in the object's address -> index map. Owns the links;
/// detach() (or deinit) removes them.
public final class FunctionProbes {
    public private(set) var links: [BPFLink] = []
    public let functions: [String]

    public init(functions: [String]) { self.functions = functions }

    /// The one way in. `returns`: attached to the same functions as their
    /// return probe, first, so every entry seen has its return (kprobe modes
    /// only). `index`: the object's address -> function index map, filled when
    /// hits are told apart by address (fentry; kprobes without cookies);
    /// `kallsyms` is read only then, when not given.
    public func attach(_ program: BPFProgram, returns: BPFProgram? = nil, backend: Backend,
                       index: BPFMap, kallsyms: Kallsyms? = nil) throws -> AttachReport {
        if returns != nil { try ProbeNeeds.returns.require(backend) }
        // What the mode needs is read before the clock starts: the report times the attach alone.
        var keys: AddressKeys? = nil
        var symbols: Kallsyms? = nil
        switch backend {
        case .kprobeMulti: break
        case .kprobe where HitKey.current == .address:
            keys = AddressKeys(map: index, addresses: try (kallsyms ?? Kallsyms.load()).functionAddresses())
        case .kprobe: break
        case .fentry: symbols = try kallsyms ?? Kallsyms.load()
        case .tracepoint:
            throw ProbeError.backendUnavailable(.tracepoint, reason: "tracepoints cannot probe kernel functions")
        }
        let start = DispatchTime.now()
        var report = AttachReport(backend: backend, requested: functions.count)
        if backend == .kprobeMulti {
            try attachMulti(program, returns, Array(functions.indices), &report)
            report.attached.sort()
        } else if let symbols {
            try attachFentry(program, index: index, kallsyms: symbols, &report)
        } else {
            try attachEach(program, returns, keys, &report)
        }
        report.links = links.count
        report.seconds = seconds(since: start)
        return report
    }

    func keep(_ link: BPFLink) { links.append(link) }

    /// The return probe first, so every entry seen has its return; then the
    /// entry. Both are kept or neither.
    func keepPair(_ returns: (() throws -> BPFLink)?, entry: () throws -> BPFLink) throws {
        let ret = try returns?()
        do {
            keep(try entry())
        } catch {
            ret?.detach()
            throw error
        }
        if let ret { keep(ret) }
    }

    /// Detaches every link. Per-function kprobes each wait for grace periods
    /// when removed, asleep in the kernel, so they are closed from 32 threads
    /// of their own (as the C + libbpf floor in docs/performance.md does):
    /// concurrentPerform would run them on only as many threads as CPUs.
    public func detach() {
        let all = links
        links = []
        guard all.count > 16 else { return all.forEach { $0.detach() } }
        let pending = PendingLinks(all)
        onThreads(32) { while let l = pending.next() { l.detach() } }
    }

    deinit { detach() }
}

func seconds(since start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}

/// The links still to close, handed out one at a time to the closing threads.
private final class PendingLinks: @unchecked Sendable {
    private let links: Mutex<[BPFLink]>
    init(_ all: [BPFLink]) { links = Mutex(all) }
    func next() -> BPFLink? { links.withLock { $0.popLast() } }
}

/// Runs `body` on `count` new threads and waits for all of them; on the
/// calling thread if none can be created.
func onThreads(_ count: Int, _ body: @escaping @Sendable () -> Void) {
    final class Work { let body: @Sendable () -> Void; init(_ b: @escaping @Sendable () -> Void) { body = b } }
    var threads: [pthread_t] = []
    for _ in 0..<count {
        var t = pthread_t()
        let work = Unmanaged.passRetained(Work(body)).toOpaque()
        let started = pthread_create(&t, nil, { p in
            Unmanaged<Work>.fromOpaque(p!).takeRetainedValue().body()
            return nil
        }, work)
        if started == 0 { threads.append(t) } else { Unmanaged<Work>.fromOpaque(work).release() }
    }
    if threads.isEmpty { body() }
    for t in threads { pthread_join(t, nil) }
}
