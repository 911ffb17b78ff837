import Probes

/// Which of the client's syscalls a packet of dial d left during: the call whose
/// time interval holds it (on loopback the peer's replies may run on another
/// CPU or task while the client waits in connect). Each dial starts with
/// socket(2), so the k-th socket call begins dial k.
///
/// One stable rule for late packets: a dial's last packets (the server's FIN,
/// the ACK of it) may leave after the client's close(2) of that dial returned,
/// while it is already in a later dial's socket, connect or read; which call is
/// a race. Such a packet is "after close", and the race is kept apart (the
/// later dial and its call) instead of passing for that call's own packet.
struct PacketPlacement {
    typealias Call = (enter: UInt64, exit: UInt64, phase: Phase)
    let calls: [Call]
    let socketCalls: [UInt64]
    let closes: [Call]

    init(clientSyscalls: [Call]) {
        calls = clientSyscalls
        socketCalls = clientSyscalls.filter { $0.phase == .socket }.map(\.enter).sorted()
        closes = clientSyscalls.filter { $0.phase == .close }.sorted { $0.enter < $1.enter }
    }

    /// When dial d's close(2) returned: the first close after the d-th socket call.
    func closeExit(_ d: Int) -> UInt64? {
        guard d >= 1, d <= socketCalls.count else { return nil }
        return closes.first { $0.enter > socketCalls[d - 1] }?.exit
    }

    /// `clientTaskPhase`: the phase the sending task was in when it is the
    /// client itself (nil for another task), used when no call holds the packet.
    func place(ns: UInt64, dial: Int, clientTaskPhase: Phase?) -> (moment: PacketMoment, during: (dial: Int, phase: Phase)?) {
        // Other threads' long waits (futex, poll) also hold the packet: prefer the dial's own calls.
        let holding = calls.filter { $0.enter <= ns && ns <= $0.exit }
        let held = holding.first { $0.phase != .other } ?? holding.first
        if let end = closeExit(dial), ns > end {
            guard let held else { return (.afterClose, nil) }
            let callDial = socketCalls.filter { $0 <= held.enter }.count
            return (.afterClose, callDial > dial ? (callDial, held.phase) : nil)
        }
        if let phase = held?.phase ?? clientTaskPhase { return (.during(phase), nil) }
        return (.betweenSyscalls, nil)
    }
}
