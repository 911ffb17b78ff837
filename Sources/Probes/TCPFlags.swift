/// A TCP header's flags, named and ordered as tcpdump prints them ("SYN,ACK");
/// none for UDP, printed "-". JSON keeps that text, as results saved before hold it.
public struct TCPFlags: OptionSet, Hashable, Sendable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let fin = TCPFlags(rawValue: 0x01)
    public static let syn = TCPFlags(rawValue: 0x02)
    public static let rst = TCPFlags(rawValue: 0x04)
    public static let psh = TCPFlags(rawValue: 0x08)
    public static let ack = TCPFlags(rawValue: 0x10)
    public static let urg = TCPFlags(rawValue: 0x20)

    /// tcpdump's order.
    static let names: [(TCPFlags, String)] = [(.syn, "SYN"), (.fin, "FIN"), (.rst, "RST"), (.psh, "PSH"), (.urg, "URG"), (.ack, "ACK")]

    /// The header's flags byte (only the six named bits are kept).
    public init(header byte: UInt8) { self.init(rawValue: byte & 0x3f) }

    /// "SYN,ACK" or "-"; nil for a name tcpdump does not print.
    public init?(text: String) {
        self = []
        guard text != "-", !text.isEmpty else { return }
        for name in text.split(separator: ",") {
            guard let f = Self.names.first(where: { $0.1 == name }) else { return nil }
            insert(f.0)
        }
    }

    public init(stringLiteral text: String) {
        guard let f = TCPFlags(text: text) else { preconditionFailure("not TCP flags: \(text)") }
        self = f
    }

    public var description: String {
        isEmpty ? "-" : Self.names.filter { contains($0.0) }.map(\.1).joined(separator: ",")
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let f = TCPFlags(text: text) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "\"\(text)\" is not TCP flags (SYN,FIN,RST,PSH,URG,ACK or -)")
        }
        self = f
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
