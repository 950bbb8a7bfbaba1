import NIOCore

/// Finds the TCP segment in a captured packet: unwraps the link layer (Ethernet with VLAN tags, Linux cooked
/// SLL and SLL2, BSD loopback, raw IP), then IPv4 or IPv6 (with extension headers). Packets that are not
/// unfragmented TCP are skipped.
public enum PacketParser {
    /// libpcap link-layer types (`DLT_` values) this parser reads.
    public enum LinkType {
        /// BSD loopback: a 4-byte address family in the capturing host's byte order.
        public static let null: Int32 = 0
        /// Ethernet (IEEE 802.3), with optional 802.1Q/802.1ad VLAN tags.
        public static let ethernet: Int32 = 1
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

    /// The TCP segment in `packet`, or `nil` when it holds none (another protocol, a fragment, a truncated header,
    /// an unknown link type).
    public static func tcpSegment(in packet: CapturedPacket) -> TCPSegment? {
        var bytes = packet.data
        guard let etherType = networkProtocol(linkType: packet.linkType, skippingHeaderOf: &bytes) else { return nil }
        switch etherType {
        case 0x0800: return ipv4Segment(bytes)
        case 0x86DD: return ipv6Segment(bytes)
        default: return nil
        }
    }

    /// Skips the link-layer header and returns the EtherType of what follows (0x0800 IPv4, 0x86DD IPv6).
    private static func networkProtocol(linkType: Int32, skippingHeaderOf bytes: inout ByteBuffer) -> UInt16? {
        switch linkType {
        case LinkType.ethernet:
            guard var type = bytes.getInteger(at: bytes.readerIndex + 12, as: UInt16.self) else { return nil }
            var headerLength = 14
            while [0x8100, 0x88A8, 0x9100].contains(type) {
                guard let inner = bytes.getInteger(at: bytes.readerIndex + headerLength + 2, as: UInt16.self)
                else { return nil }
                type = inner
                headerLength += 4
            }
            return bytes.readSlice(length: headerLength) == nil ? nil : type
        case LinkType.linuxSLL:
            let type = bytes.getInteger(at: bytes.readerIndex + 14, as: UInt16.self)
            return bytes.readSlice(length: 16) == nil ? nil : type
        case LinkType.linuxSLL2:
            let type = bytes.getInteger(at: bytes.readerIndex, as: UInt16.self)
            return bytes.readSlice(length: 20) == nil ? nil : type
        case LinkType.null, LinkType.loop:
            guard let family = bytes.readInteger(as: UInt32.self) else { return nil }
            // AF_INET is 2 everywhere; AF_INET6 is 10, 24, 28 or 30 depending on the system; either byte order.
            let value = family > 0xFFFF ? family.byteSwapped : family
            if value == 2 { return 0x0800 }
            return [10, 24, 28, 30].contains(value) ? 0x86DD : nil
        case LinkType.raw, LinkType.rawOpenBSD, LinkType.rawLinkType, LinkType.ipv4, LinkType.ipv6:
            switch bytes.readableBytesView.first.map({ $0 >> 4 }) {
            case 4: return 0x0800
            case 6: return 0x86DD
            default: return nil
            }
        default:
            return nil
        }
    }

    private static func ipv4Segment(_ bytes: ByteBuffer) -> TCPSegment? {
        let start = bytes.readerIndex
        guard let versionAndLength = bytes.getInteger(at: start, as: UInt8.self), versionAndLength >> 4 == 4,
            let totalLength = bytes.getInteger(at: start + 2, as: UInt16.self),
            let fragment = bytes.getInteger(at: start + 6, as: UInt16.self),
            bytes.getInteger(at: start + 9, as: UInt8.self) == 6,
            let source = address(in: bytes, at: start + 12, length: 4),
            let destination = address(in: bytes, at: start + 16, length: 4)
        else { return nil }
        // More fragments, or a fragment offset: reassembling IP fragments is not supported.
        guard fragment & 0x3FFF == 0 else { return nil }
        let headerLength = Int(versionAndLength & 0x0F) * 4
        guard headerLength >= 20, Int(totalLength) >= headerLength else { return nil }
        // The IP length bounds the segment: Ethernet pads short frames.
        let available = min(Int(totalLength), bytes.readableBytes) - headerLength
        guard available >= 0, let tcp = bytes.getSlice(at: start + headerLength, length: available) else { return nil }
        return tcpSegment(tcp, source: source, destination: destination)
    }

    private static func ipv6Segment(_ bytes: ByteBuffer) -> TCPSegment? {
        let start = bytes.readerIndex
        guard bytes.getInteger(at: start, as: UInt8.self).map({ $0 >> 4 }) == 6,
            let payloadLength = bytes.getInteger(at: start + 4, as: UInt16.self),
            var nextHeader = bytes.getInteger(at: start + 6, as: UInt8.self),
            let source = address(in: bytes, at: start + 8, length: 16),
            let destination = address(in: bytes, at: start + 24, length: 16)
        else { return nil }
        var offset = 40
        let end = min(40 + Int(payloadLength), bytes.readableBytes)
        // Hop-by-hop, routing and destination options headers: skip them. A fragment header: not supported.
        while [0, 43, 60].contains(nextHeader) {
            guard let following = bytes.getInteger(at: start + offset, as: UInt8.self),
                let length = bytes.getInteger(at: start + offset + 1, as: UInt8.self)
            else { return nil }
            nextHeader = following
            offset += (Int(length) + 1) * 8
        }
        guard nextHeader == 6, end >= offset, let tcp = bytes.getSlice(at: start + offset, length: end - offset)
        else { return nil }
        return tcpSegment(tcp, source: source, destination: destination)
    }

    /// The address of `length` bytes at `index` of `bytes`, as an endpoint whose port is still 0; `nil` when the
    /// bytes end before it.
    private static func address(in bytes: ByteBuffer, at index: Int, length: Int) -> Endpoint? {
        guard index >= bytes.readerIndex, index + length <= bytes.writerIndex else { return nil }
        return bytes.withUnsafeReadableBytes { raw in
            Endpoint(
                addressBytes: UnsafeRawBufferPointer(rebasing: raw[(index - bytes.readerIndex)...]), length: length,
                port: 0)
        }
    }

    private static func tcpSegment(_ tcp: ByteBuffer, source: Endpoint, destination: Endpoint) -> TCPSegment? {
        let start = tcp.readerIndex
        guard let sourcePort = tcp.getInteger(at: start, as: UInt16.self),
            let destinationPort = tcp.getInteger(at: start + 2, as: UInt16.self),
            let sequence = tcp.getInteger(at: start + 4, as: UInt32.self),
            let acknowledgement = tcp.getInteger(at: start + 8, as: UInt32.self),
            let dataOffset = tcp.getInteger(at: start + 12, as: UInt8.self),
            let flags = tcp.getInteger(at: start + 13, as: UInt8.self)
        else { return nil }
        let headerLength = Int(dataOffset >> 4) * 4
        guard headerLength >= 20, headerLength <= tcp.readableBytes,
            let payload = tcp.getSlice(at: start + headerLength, length: tcp.readableBytes - headerLength)
        else { return nil }
        var (source, destination) = (source, destination)
        source.port = sourcePort
        destination.port = destinationPort
        return TCPSegment(
            source: source, destination: destination,
            sequenceNumber: sequence, acknowledgementNumber: acknowledgement, flags: flags, payload: payload)
    }
}
