import NIOCore

/// Finds the TCP segment in a captured packet: unwraps the link layer (Ethernet with VLAN tags, Linux cooked
/// SLL and SLL2, BSD loopback, raw IP, PPP), then IPv4 or IPv6 (with extension headers). Packets that are not
/// unfragmented TCP are skipped.
public enum PacketParser {
    /// libpcap link-layer types (`DLT_` values) this parser reads.
    public enum LinkType {
        /// BSD loopback: a 4-byte address family in the capturing host's byte order.
        public static let null: Int32 = 0
        /// Ethernet (IEEE 802.3), with optional 802.1Q/802.1ad VLAN tags.
        public static let ethernet: Int32 = 1
        /// PPP (RFC 1661), with or without the HDLC-like framing of RFC 1662 (`DLT_PPP`).
        public static let ppp: Int32 = 9
        /// PPP in HDLC-like framing (`DLT_PPP_SERIAL`).
        public static let pppSerial: Int32 = 50
        /// Raw IP, as libpcap reports it on most systems (`DLT_RAW`).
        public static let raw: Int32 = 12
        /// Raw IP, as OpenBSD's `DLT_RAW`.
        public static let rawOpenBSD: Int32 = 14
        /// Raw IP, the file format's `LINKTYPE_RAW`.
        public static let rawLinkType: Int32 = 101
        /// OpenBSD loopback: a 4-byte address family in network byte order.
        public static let loop: Int32 = 108
        /// Linux cooked capture, version 1 (`tcpdump -i any` before libpcap 1.10).
        public static let linuxSLL: Int32 = 113
        /// Raw IPv4.
        public static let ipv4: Int32 = 228
        /// Raw IPv6.
        public static let ipv6: Int32 = 229
        /// Linux cooked capture, version 2 (`tcpdump -i any` with libpcap 1.10 and later).
        public static let linuxSLL2: Int32 = 276
    }

    /// Whether packets of link-layer type `linkType` (a `DLT_` value) are read: those of ``LinkType``.
    public static func reads(linkType: Int32) -> Bool {
        [
            LinkType.null, LinkType.ethernet, LinkType.ppp, LinkType.raw, LinkType.rawOpenBSD, LinkType.pppSerial,
            LinkType.rawLinkType, LinkType.loop, LinkType.linuxSLL, LinkType.ipv4, LinkType.ipv6, LinkType.linuxSLL2,
        ].contains(linkType)
    }

    /// A TCP segment's header fields, as found in a packet's bytes.
    private typealias Header = (
        source: Endpoint, destination: Endpoint, sequenceNumber: UInt32, acknowledgementNumber: UInt32, flags: UInt8
    )

    /// The TCP segment in `packet`, or `nil` when it holds none (another protocol, a fragment, a truncated header,
    /// an unknown link type).
    public static func tcpSegment(in packet: CapturedPacket) -> TCPSegment? {
        let data = packet.data
        // The headers are read in place; the payload is the one slice made.
        guard
            let (header, payloadOffset, payloadLength) = data.withUnsafeReadableBytes({ raw in
                tcpHeader(in: PacketBytes(raw: raw), linkType: packet.linkType)
            })
        else { return nil }
        return TCPSegment(
            source: header.source, destination: header.destination, sequenceNumber: header.sequenceNumber,
            acknowledgementNumber: header.acknowledgementNumber, flags: header.flags,
            payload: data.getSlice(at: data.readerIndex + payloadOffset, length: payloadLength)!)
    }

    /// The TCP header in a packet's `bytes` (the segment without its payload), and where its payload is in them.
    private static func tcpHeader(in bytes: PacketBytes, linkType: Int32) -> (Header, Int, Int)? {
        guard let (etherType, linkHeaderLength) = networkProtocol(linkType: linkType, in: bytes) else { return nil }
        let network = bytes.dropFirst(linkHeaderLength)
        let found: (Header, Int, Int)?
        switch etherType {
        case 0x0800: found = ipv4Segment(network)
        case 0x86DD: found = ipv6Segment(network)
        default: return nil
        }
        return found.map { ($0.0, linkHeaderLength + $0.1, $0.2) }
    }

    /// The EtherType of what follows the link-layer header (0x0800 IPv4, 0x86DD IPv6), and that header's length.
    private static func networkProtocol(linkType: Int32, in bytes: PacketBytes) -> (UInt16, Int)? {
        switch linkType {
        case LinkType.ethernet:
            guard var type = bytes.uint16(at: 12) else { return nil }
            var headerLength = 14
            while [0x8100, 0x88A8, 0x9100].contains(type) {
                guard let inner = bytes.uint16(at: headerLength + 2) else { return nil }
                type = inner
                headerLength += 4
            }
            return headerLength <= bytes.count ? (type, headerLength) : nil
        case LinkType.linuxSLL:
            return bytes.count >= 16 ? bytes.uint16(at: 14).map { ($0, 16) } : nil
        case LinkType.linuxSLL2:
            return bytes.count >= 20 ? bytes.uint16(at: 0).map { ($0, 20) } : nil
        case LinkType.null, LinkType.loop:
            guard let family = bytes.uint32(at: 0) else { return nil }
            // AF_INET is 2 everywhere; AF_INET6 is 10, 24, 28 or 30 depending on the system; either byte order.
            let value = family > 0xFFFF ? family.byteSwapped : family
            if value == 2 { return (0x0800, 4) }
            return [10, 24, 28, 30].contains(value) ? (0x86DD, 4) : nil
        case LinkType.ppp, LinkType.pppSerial:
            // The address and control bytes (FF 03) of HDLC-like framing, when present, then the PPP protocol:
            // 0x0021 IPv4, 0x0057 IPv6.
            let framing = bytes.uint8(at: 0) == 0xFF && bytes.uint8(at: 1) == 0x03 ? 2 : 0
            switch bytes.uint16(at: framing) {
            case 0x0021: return (0x0800, framing + 2)
            case 0x0057: return (0x86DD, framing + 2)
            default: return nil
            }
        case LinkType.raw, LinkType.rawOpenBSD, LinkType.rawLinkType, LinkType.ipv4, LinkType.ipv6:
            switch bytes.uint8(at: 0).map({ $0 >> 4 }) {
            case 4: return (0x0800, 0)
            case 6: return (0x86DD, 0)
            default: return nil
            }
        default:
            return nil
        }
    }

    private static func ipv4Segment(_ bytes: PacketBytes) -> (Header, Int, Int)? {
        guard let versionAndLength = bytes.uint8(at: 0), versionAndLength >> 4 == 4,
            let totalLength = bytes.uint16(at: 2),
            let fragment = bytes.uint16(at: 6),
            bytes.uint8(at: 9) == 6,
            let source = bytes.address(at: 12, length: 4),
            let destination = bytes.address(at: 16, length: 4)
        else { return nil }
        // More fragments, or a fragment offset: reassembling IP fragments is not supported.
        guard fragment & 0x3FFF == 0 else { return nil }
        let headerLength = Int(versionAndLength & 0x0F) * 4
        guard headerLength >= 20, Int(totalLength) >= headerLength else { return nil }
        // The IP length bounds the segment: Ethernet pads short frames.
        let available = min(Int(totalLength), bytes.count) - headerLength
        guard available >= 0 else { return nil }
        return tcpSegment(bytes.dropFirst(headerLength).prefix(available), source: source, destination: destination)
            .map { ($0.0, headerLength + $0.1, $0.2) }
    }

    private static func ipv6Segment(_ bytes: PacketBytes) -> (Header, Int, Int)? {
        guard bytes.uint8(at: 0).map({ $0 >> 4 }) == 6,
            let payloadLength = bytes.uint16(at: 4),
            var nextHeader = bytes.uint8(at: 6),
            let source = bytes.address(at: 8, length: 16),
            let destination = bytes.address(at: 24, length: 16)
        else { return nil }
        var offset = 40
        let end = min(40 + Int(payloadLength), bytes.count)
        // Hop-by-hop, routing and destination options headers: skip them. A fragment header: not supported.
        while [0, 43, 60].contains(nextHeader) {
            guard let following = bytes.uint8(at: offset), let length = bytes.uint8(at: offset + 1) else { return nil }
            nextHeader = following
            offset += (Int(length) + 1) * 8
        }
        guard nextHeader == 6, end >= offset else { return nil }
        return tcpSegment(bytes.dropFirst(offset).prefix(end - offset), source: source, destination: destination)
            .map { ($0.0, offset + $0.1, $0.2) }
    }

    /// The TCP header in `tcp` (the segment's bytes), and the offset and length of its payload there.
    private static func tcpSegment(
        _ tcp: PacketBytes, source: Endpoint, destination: Endpoint
    ) -> (Header, Int, Int)? {
        guard let sourcePort = tcp.uint16(at: 0),
            let destinationPort = tcp.uint16(at: 2),
            let sequence = tcp.uint32(at: 4),
            let acknowledgement = tcp.uint32(at: 8),
            let dataOffset = tcp.uint8(at: 12),
            let flags = tcp.uint8(at: 13)
        else { return nil }
        let headerLength = Int(dataOffset >> 4) * 4
        guard headerLength >= 20, headerLength <= tcp.count else { return nil }
        var (source, destination) = (source, destination)
        source.port = sourcePort
        destination.port = destinationPort
        return ((source, destination, sequence, acknowledgement, flags), headerLength, tcp.count - headerLength)
    }
}
