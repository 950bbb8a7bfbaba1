/// One relayed connection as a TCP conversation between the client's and the upstream server's real addresses:
/// builds IPv4 (or IPv6, when either address is IPv6) packets with TCP headers whose sequence and acknowledgement
/// numbers follow the bytes relayed, so a dissector reassembles each direction as a stream.
struct SyntheticTCPStream {
    /// An endpoint: its address (4 or 16 bytes) and port.
    struct Endpoint {
        /// The IPv4 or IPv6 address bytes.
        var address: [UInt8]
        /// The TCP port.
        var port: UInt16
    }

    private let client: Endpoint
    private let server: Endpoint
    private var clientSequence: UInt32 = 1_000
    private var serverSequence: UInt32 = 5_000
    private var identification: UInt16 = 0

    /// A stream between `client` and `server`; IPv4 addresses are mapped into IPv6 when the other one is IPv6.
    init(client: Endpoint, server: Endpoint) {
        let mixed = client.address.count != server.address.count
        self.client = mixed ? Self.mappedToIPv6(client) : client
        self.server = mixed ? Self.mappedToIPv6(server) : server
    }

    /// Appends the three packets of the TCP handshake to `blocks` as pcapng blocks seen at `microseconds`.
    mutating func appendHandshake(microseconds: UInt64, to blocks: inout [UInt8]) {
        appendPacket(fromClient: true, flags: 0x02, payload: EmptyCollection(), microseconds: microseconds, to: &blocks)
        clientSequence &+= 1
        appendPacket(
            fromClient: false, flags: 0x12, payload: EmptyCollection(), microseconds: microseconds, to: &blocks)
        serverSequence &+= 1
        appendPacket(fromClient: true, flags: 0x10, payload: EmptyCollection(), microseconds: microseconds, to: &blocks)
    }

    /// Appends the packets carrying `payload` from the client (`fromClient`) or the server, split to fit an IP
    /// packet, to `blocks` as pcapng blocks seen at `microseconds`.
    mutating func appendSegments(
        fromClient: Bool, payload: some Collection<UInt8>, microseconds: UInt64, to blocks: inout [UInt8]
    ) {
        var rest = payload[...]
        while !rest.isEmpty {
            let chunk = rest.prefix(60_000)
            rest = rest[chunk.endIndex...]
            appendPacket(fromClient: fromClient, flags: 0x18, payload: chunk, microseconds: microseconds, to: &blocks)
            let count = UInt32(chunk.count)
            if fromClient { clientSequence &+= count } else { serverSequence &+= count }
        }
    }

    /// Appends the packets of the TCP close to `blocks` as pcapng blocks seen at `microseconds`: a FIN from the side
    /// that closed first (the client when `closedByClient`), the other side's FIN acknowledging it, and the last ACK,
    /// so a dissector sees both directions end when the connection did.
    mutating func appendClose(closedByClient: Bool, microseconds: UInt64, to blocks: inout [UInt8]) {
        for fromClient in [closedByClient, !closedByClient] {
            appendPacket(
                fromClient: fromClient, flags: 0x11, payload: EmptyCollection(), microseconds: microseconds,
                to: &blocks)
            if fromClient { clientSequence &+= 1 } else { serverSequence &+= 1 }
        }
        appendPacket(
            fromClient: closedByClient, flags: 0x10, payload: EmptyCollection(), microseconds: microseconds,
            to: &blocks)
    }

    private mutating func appendPacket(
        fromClient: Bool, flags: UInt8, payload: some Collection<UInt8>, microseconds: UInt64, to blocks: inout [UInt8]
    ) {
        let (source, destination) = fromClient ? (client, server) : (server, client)
        let sequence = fromClient ? clientSequence : serverSequence
        let acknowledgement = flags == 0x02 ? 0 : (fromClient ? serverSequence : clientSequence)
        identification &+= 1
        let identification = identification
        let tcpLength = 20 + payload.count
        let ipHeaderLength = source.address.count == 4 ? 20 : 40
        PcapngFormat.appendPacketBlock(length: ipHeaderLength + tcpLength, microseconds: microseconds, to: &blocks) {
            bytes in
            if source.address.count == 4 {
                Self.appendIPv4Header(
                    source, destination, length: tcpLength, identification: identification, to: &bytes)
            } else {
                Self.appendIPv6Header(source, destination, length: tcpLength, to: &bytes)
            }
            Self.append16(source.port, to: &bytes)
            Self.append16(destination.port, to: &bytes)
            Self.append32(sequence, to: &bytes)
            Self.append32(acknowledgement, to: &bytes)
            bytes.append(0x50)  // 20-byte header
            bytes.append(flags)
            Self.append16(65_535, to: &bytes)  // window
            Self.append32(0, to: &bytes)  // checksum (not computed), urgent pointer
            bytes.append(contentsOf: payload)
        }
    }

    private static func appendIPv4Header(
        _ source: Endpoint, _ destination: Endpoint, length: Int, identification: UInt16, to bytes: inout [UInt8]
    ) {
        let start = bytes.count
        bytes.append(0x45)
        bytes.append(0)
        append16(UInt16(20 + length), to: &bytes)
        append16(identification, to: &bytes)
        append32(0x4000_4006, to: &bytes)  // don't fragment, TTL 64, TCP
        append16(0, to: &bytes)  // checksum placeholder
        bytes.append(contentsOf: source.address)
        bytes.append(contentsOf: destination.address)
        var sum: UInt32 = 0
        for index in stride(from: start, to: start + 20, by: 2) {
            sum += UInt32(bytes[index]) << 8 | UInt32(bytes[index + 1])
        }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        let checksum = ~UInt16(sum)
        bytes[start + 10] = UInt8(checksum >> 8)
        bytes[start + 11] = UInt8(checksum & 0xFF)
    }

    private static func appendIPv6Header(
        _ source: Endpoint, _ destination: Endpoint, length: Int, to bytes: inout [UInt8]
    ) {
        append32(0x6000_0000, to: &bytes)  // version 6, no traffic class or flow label
        append16(UInt16(length), to: &bytes)
        bytes.append(6)  // next header TCP
        bytes.append(64)  // hop limit
        bytes.append(contentsOf: source.address)
        bytes.append(contentsOf: destination.address)
    }

    private static func mappedToIPv6(_ endpoint: Endpoint) -> Endpoint {
        guard endpoint.address.count == 4 else { return endpoint }
        return Endpoint(
            address: [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF] + endpoint.address, port: endpoint.port)
    }

    private static func append16(_ value: UInt16, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    private static func append32(_ value: UInt32, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}
