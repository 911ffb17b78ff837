import FoundationEssentials
import Probes
import Reports
import Sessions

extension StacksCommand {
    /// stackcount -i: every interval a blank line, HH:MM:SS and the stacks
    /// counted since the last one (folded: the lines alone), then the counts
    /// are cleared; ends with the partial interval on -d/-D, Ctrl-C or the
    /// command's exit.
    func printIntervals(_ session: StacksSession, every interval: Double, perProcess: Bool) throws {
        let started = Date()
        let duration = durationD ?? tracing.duration
        let childDone = { session.child.map { !$0.isRunning } ?? false }
        while true {
            let left = duration.map { $0 - Date().timeIntervalSince(started) }
            waitUntil([interval, left].compactMap { $0 }.min(), stop: childDone)
            let finished = Interrupt.requested || childDone()
                || (duration.map { Date().timeIntervalSince(started) >= $0 } ?? false)
            let merged = try session.stacks().merged(offsets: offsets ?? !folded, perProcess: perProcess)
            try session.collector.clearCounts()
            if folded {
                out(StackReport.folded(merged, limit: limit))
            } else {
                out("\n" + clockTime() + "\n" + StackReport.multiline(merged, limit: limit))
            }
            if finished { break }
        }
        for line in StackReport.lossLines(session.losses()) { eprint(line) }
    }
}
