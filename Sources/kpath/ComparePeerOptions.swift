import ArgumentParser
import Sessions

extension CompareCommand {
    /// --peer and --rtt: one line for each way they can be wrong.
    func validatePeer(protocols: [Proto]) throws {
        if let peer, peer != "netns" {
            throw ValidationError("--peer takes \"netns\" (the server in a network namespace kpath creates), got \"\(peer)\"")
        }
        if peer != nil, let unix = protocols.first(where: \.isUnix) {
            throw ValidationError("--peer netns joins IP protocols (tcp, udp, tcp6, udp6) over a veth; \(unix.rawValue) sockets do not cross a link: drop it or drop --peer")
        }
        guard let rtt else { return }
        guard let ns = GraphCommand.parseDuration(rtt), ns > 0 else {
            throw ValidationError("--rtt \"\(rtt)\" is not a round-trip time; write it like 20ms, 500us or 1s (more than 0)")
        }
        if ns > 5_000_000_000 { throw ValidationError("--rtt \(rtt) is too long; use at most 5s") }
        if peer == nil {
            throw ValidationError("--rtt needs --peer netns: the delay goes on the veth between two namespaces (e.g. `kpath compare tcp udp --peer netns --rtt 20ms`)")
        }
    }
}
