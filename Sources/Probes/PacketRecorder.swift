import BPFObjects
import BPFRecords
import FoundationEssentials
import Glibc
import Libbpf

/// One packet handed to a device, decoded from kp_packet_event.
public struct Packet: Codable, Sendable, Equatable {
    public var ns: UInt64
    public var tgid: UInt32
    public var tid: UInt32
    public var comm: String
    public var device: String
    public var proto: String          // "tcp" or "udp"
    public var source: String         // "127.0.0.1:41234"
    public var destination: String
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var length: UInt32
    /// TCP flags (none for UDP).
    public var flags: TCPFlags
    public var seq: UInt32
    public var ack: UInt32
    /// The syscall the sending thread was in (its phase), and whether the packet
    /// was sent from interrupt context on top of that thread (loopback replies).
    public var phase: Phase
    public var inInterrupt: Bool
    public var kstack: Int32
}

/// bpf/packets.bpf.c at net:net_dev_queue: every TCP/UDP packet leaving a
/// device (on loopback, both directions), optionally filtered by port.
public final class PacketRecorder {
    private let object: BPFObject
    private var link: BPFLink?
    private var ring: BPFRingBuffer?
    private let wantStacks: Bool
    public private(set) var packets: [Packet] = []

    public init(tracker: Tracker, port: UInt16 = 0, stacks: Bool = true) throws {
        object = try BPFObject(name: "packets", bytes: BPFObjects.bytes(.packets))
        wantStacks = stacks
        try tracker.share(into: object)
        let ringMap = try object.map("packet_events")
        try ringMap.setMaxEntries(RingBufferSize.bytes(default: ringMap.maxEntries))
        try object.load()
        try setPort(port)
        ring = try BPFRingBuffer(map: try object.map("packet_events")) { [weak self] bytes in
            guard bytes.count >= MemoryLayout<kp_packet_event>.size else { return }
            let e = bytes.loadUnaligned(as: kp_packet_event.self)
            self?.packets.append(Packet(e))
        }
        link = try object.program("packet_queued").attach()
    }

    /// Changes the port filter (0: every packet) while attached; `trackedOnly`
    /// keeps only packets sent while a tracked task runs (its syscalls or softirq on its stack).
    public func setPort(_ port: UInt16, trackedOnly: Bool = false) throws {
        var cfg = kp_packet_config()
        cfg.port = port
        cfg.tracked_only = trackedOnly ? 1 : 0
        cfg.want_stacks = wantStacks ? 1 : 0
        try object.map("pkt_config").update(key: UInt32(0), value: cfg)
    }

    /// Reads what the ring buffer holds now.
    public func drain() { ring?.drain() }

    public func clear() { packets = [] }

    /// Frames of a packet's kernel stack, innermost first.
    public func stack(_ id: Int32) -> [UInt64] {
        (try? object.map("pkt_stacks"))?.stack(id: id) ?? []
    }

    public func detach() {
        drain()
        link?.detach()
        link = nil
    }

    deinit { link?.detach() }
}

extension Packet {
    init(_ e: kp_packet_event) {
        let v6 = e.family == 10
        func addr(_ t: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8), _ port: UInt16) -> String {
            let b = withUnsafeBytes(of: t) { Array($0) }
            if !v6 { return "\(b[0]).\(b[1]).\(b[2]).\(b[3]):\(port)" }
            var buf = [CChar](repeating: 0, count: 64)
            var raw = b
            inet_ntop(AF_INET6, &raw, &buf, 64)
            return "[\(String(cString: buf))]:\(port)"
        }
        let flags = e.proto == 6 ? TCPFlags(header: e.tcp_flags) : []
        self.init(ns: e.ts, tgid: e.tgid, tid: e.tid, comm: cString(e.comm), device: cString(e.dev),
                  proto: e.proto == 6 ? "tcp" : "udp",
                  source: addr(e.saddr, e.sport), destination: addr(e.daddr, e.dport),
                  sourcePort: e.sport, destinationPort: e.dport, length: e.len, flags: flags,
                  seq: e.seq, ack: e.ack_seq, phase: Phase(rawValue: Int(e.phase)) ?? .other,
                  inInterrupt: e.softirq != 0, kstack: e.kstack)
    }
}

/// A fixed-size C char array (imported as a tuple) as a String.
public func cString<T>(_ tuple: T) -> String {
    withUnsafeBytes(of: tuple) { raw in
        let bytes = raw.prefix { $0 != 0 }
        return String(decoding: bytes, as: UTF8.self)
    }
}
