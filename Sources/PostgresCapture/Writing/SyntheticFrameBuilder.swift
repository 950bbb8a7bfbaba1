/// Builds the bytes of a captured packet for a TCP segment: a link-layer header, an IPv4 or IPv6 header (by the
/// length of the segment's addresses) and a TCP header, in front of the payload. For writing captures of traffic
/// that was not captured from a wire (a proxy's decrypted streams, test scenarios).
public struct SyntheticFrameBuilder: Sendable {
    /// The link layer to frame packets in.
    public enum Framing: Sendable, Hashable {
        /// Ethernet, with an 802.1Q VLAN tag when `vlan` is given.
        case ethernet(vlan: UInt16?)
        /// Linux cooked capture v2.
        case linuxSLL2
        /// BSD loopback (address family in little-endian byte order).
        case null
        /// Raw IP.
        case raw
        /// PPP in HDLC-like framing.
        case ppp
    }

    /// The link layer.
    public var framing: Framing

    /// Creates a builder.
    public init(framing: Framing) {
        self.framing = framing
    }

    /// The libpcap link-layer type of the frames.
    public var linkType: Int32 {
        switch framing {
        case .ethernet: PacketParser.LinkType.ethernet
        case .linuxSLL2: PacketParser.LinkType.linuxSLL2
        case .null: PacketParser.LinkType.null
        case .raw: PacketParser.LinkType.raw
        case .ppp: PacketParser.LinkType.ppp
        }
    }

    /// The frame carrying `segment`.
    public func frame(_ segment: TCPSegment) -> [UInt8] {
        let isIPv6 = segment.source.address.count == 16
        var tcp: [UInt8] = []
        tcp += Self.bigEndian(segment.source.port) + Self.bigEndian(segment.destination.port)
        tcp += Self.bigEndian(segment.sequenceNumber) + Self.bigEndian(segment.acknowledgementNumber)
        tcp += [5 << 4, segment.flags] + Self.bigEndian(UInt16(65535)) + [0, 0, 0, 0]
        tcp += segment.payload.readableBytesView
        var ip: [UInt8]
        if isIPv6 {
            ip = [0x60, 0, 0, 0] + Self.bigEndian(UInt16(tcp.count)) + [6, 64]
            ip += segment.source.address + segment.destination.address
        } else {
            ip = [0x45, 0] + Self.bigEndian(UInt16(20 + tcp.count)) + [0, 0, 0x40, 0, 64, 6, 0, 0]
            ip += segment.source.address + segment.destination.address
            let sum = stride(from: 0, to: 20, by: 2).reduce(UInt32(0)) {
                $0 + (UInt32(ip[$1]) << 8 | UInt32(ip[$1 + 1]))
            }
            let folded = ~UInt16(truncatingIfNeeded: (sum & 0xFFFF) + (sum >> 16))
            ip[10] = UInt8(folded >> 8)
            ip[11] = UInt8(folded & 0xFF)
        }
        let etherType: UInt16 = isIPv6 ? 0x86DD : 0x0800
        switch framing {
        case .ethernet(let vlan):
            let addresses: [UInt8] = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1]
            let tag = vlan.map { Self.bigEndian(UInt16(0x8100)) + Self.bigEndian($0) } ?? []
            return addresses + tag + Self.bigEndian(etherType) + ip + tcp
        case .linuxSLL2:
            let header = Self.bigEndian(etherType) + [0, 0] + Self.bigEndian(UInt32(1)) + [0, 1, 0, 6]
            return header + [2, 0, 0, 0, 0, 1, 0, 0] + ip + tcp
        case .null:
            return [isIPv6 ? 10 : 2, 0, 0, 0] + ip + tcp
        case .raw:
            return ip + tcp
        case .ppp:
            return [0xFF, 0x03] + Self.bigEndian(UInt16(isIPv6 ? 0x0057 : 0x0021)) + ip + tcp
        }
    }

    private static func bigEndian<Integer: FixedWidthInteger>(_ value: Integer) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }
}
