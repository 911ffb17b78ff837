import Dispatch
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

/// Attaches one program to many functions with a chosen backend, the cookie
/// of each being its index. Owns the links; detach() (or deinit) removes them.
public final class FunctionProbes {
    public private(set) var links: [BPFLink] = []
    public let functions: [String]

    public init(functions: [String]) { self.functions = functions }

    /// kprobe.multi: one link for everything; a refused batch is bisected so a
    /// few bad functions (notrace, ENOMEM on 6.7-6.11) cost only themselves.
    /// With `returns`, that program is attached to the same functions as their
    /// return probe (kretprobe.multi), first, so every entry seen has its return.
    public func attachMulti(_ program: BPFProgram, returns: BPFProgram? = nil) throws -> AttachReport {
        let start = DispatchTime.now()
        var report = AttachReport(backend: .kprobeMulti, requested: functions.count, attached: [], skipped: [], seconds: 0, links: 0)
        try attachBatch(program, returns, Array(functions.indices), &report)
        report.attached.sort()
        report.links = links.count
        report.seconds = seconds(since: start)
        return report
    }

    private func attachBatch(_ program: BPFProgram, _ returns: BPFProgram?, _ idx: [Int], _ report: inout AttachReport) throws {
        if Interrupt.requested { throw Cancelled() }
        guard !idx.isEmpty else { return }
        do {
            let names = idx.map { functions[$0] }, cookies = idx.map { UInt64($0) }
            let ret = try returns.map { try $0.attachKprobeMulti(names, cookies: cookies, retprobe: true) }
            do {
                links.append(try program.attachKprobeMulti(names, cookies: cookies))
            } catch {
                ret?.detach()
                throw error
            }
            if let ret { links.append(ret) }
            report.attached += idx
        } catch let e as BPFError {
            if idx.count == 1 {
                report.skipped.append(SkippedFunction(function: functions[idx[0]], reason: e.errnoText))
                return
            }
            let mid = idx.count / 2
            try attachBatch(program, returns, Array(idx[..<mid]), &report)
            try attachBatch(program, returns, Array(idx[mid...]), &report)
        }
    }

    /// One kprobe per function: slow on big lists (one perf event and kprobe each), but everywhere.
    /// With `keys` (HitKey.address) each function's address is filed first and no cookie is passed.
    /// With `returns`, each function also gets that program as its kretprobe, attached first.
    func attachEach(_ program: BPFProgram, returns: BPFProgram? = nil, keys: AddressKeys? = nil) throws -> AttachReport {
        let start = DispatchTime.now()
        var report = AttachReport(backend: .kprobe, requested: functions.count, attached: [], skipped: [], seconds: 0, links: 0)
        var keys = keys
        for (i, f) in functions.enumerated() {
            if Interrupt.requested { throw Cancelled() }
            do {
                if keys != nil, let why = try keys!.add(f, index: i) {
                    report.skipped.append(SkippedFunction(function: f, reason: why))
                    continue
                }
                let cookie: UInt64 = keys == nil ? UInt64(i) : 0
                let ret = try returns.map { try $0.attachKprobe(f, cookie: cookie, retprobe: true) }
                do {
                    links.append(try program.attachKprobe(f, cookie: cookie))
                } catch {
                    ret?.detach()
                    throw error
                }
                if let ret { links.append(ret) }
                report.attached.append(i)
            } catch let e as BPFError {
                report.skipped.append(SkippedFunction(function: f, reason: e.errnoText))
            }
        }
        report.links = links.count
        report.seconds = seconds(since: start)
        return report
    }

    /// Adds links made elsewhere (fentry clones) so they share this teardown.
    public func adopt(_ more: [BPFLink]) { links += more }

    /// Detaches every link. Per-function kprobes each wait for an RCU grace
    /// period when removed, so they are closed from many threads at once.
    public func detach() {
        let all = links
        links = []
        if all.count > 16 {
            let pending = Mutex(all)
            DispatchQueue.concurrentPerform(iterations: 32) { _ in
                while let l = pending.withLock({ $0.popLast() }) { l.detach() }
            }
        } else {
            all.forEach { $0.detach() }
        }
    }

    deinit { detach() }
}

func seconds(since start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}
