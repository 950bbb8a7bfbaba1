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

    /// The three packets of the TCP handshake.
    mutating func handshake() -> [[UInt8]] {
        let syn = packet(fromClient: true, flags: 0x02, payload: [])
        clientSequence &+= 1
        let synAck = packet(fromClient: false, flags: 0x12, payload: [])
        serverSequence &+= 1
        let ack = packet(fromClient: true, flags: 0x10, payload: [])
        return [syn, synAck, ack]
    }

    /// Packets carrying `payload` from the client (`fromClient`) or the server, split to fit an IP packet.
    mutating func segments(fromClient: Bool, payload: some Collection<UInt8>) -> [[UInt8]] {
        var packets: [[UInt8]] = []
        var rest = payload[...]
        while !rest.isEmpty {
            let chunk = Array(rest.prefix(60_000))
            rest = rest.dropFirst(chunk.count)
            packets.append(packet(fromClient: fromClient, flags: 0x18, payload: chunk))
            if fromClient { clientSequence &+= UInt32(chunk.count) } else { serverSequence &+= UInt32(chunk.count) }
        }
        return packets
    }

    /// A FIN from the side that closed first.
    mutating func finish(fromClient: Bool) -> [UInt8] {
        let fin = packet(fromClient: fromClient, flags: 0x11, payload: [])
        if fromClient { clientSequence &+= 1 } else { serverSequence &+= 1 }
        return fin
    }

    private mutating func packet(fromClient: Bool, flags: UInt8, payload: [UInt8]) -> [UInt8] {
        let (source, destination) = fromClient ? (client, server) : (server, client)
        let sequence = fromClient ? clientSequence : serverSequence
        let acknowledgement = flags == 0x02 ? 0 : (fromClient ? serverSequence : clientSequence)
        var tcp: [UInt8] = []
        Self.append16(source.port, to: &tcp)
        Self.append16(destination.port, to: &tcp)
        Self.append32(sequence, to: &tcp)
        Self.append32(acknowledgement, to: &tcp)
        tcp += [0x50, flags]  // 20-byte header
        Self.append16(65_535, to: &tcp)  // window
        tcp += [0, 0, 0, 0]  // checksum (not computed), urgent pointer
        tcp += payload
        identification &+= 1
        return source.address.count == 4
            ? ipv4Header(source, destination, length: tcp.count) + tcp
            : ipv6Header(source, destination, length: tcp.count) + tcp
    }

    private func ipv4Header(_ source: Endpoint, _ destination: Endpoint, length: Int) -> [UInt8] {
        var header: [UInt8] = [0x45, 0]
        Self.append16(UInt16(20 + length), to: &header)
        Self.append16(identification, to: &header)
        header += [0x40, 0, 64, 6, 0, 0]  // don't fragment, TTL 64, TCP, checksum placeholder
        header += source.address + destination.address
        var sum: UInt32 = 0
        for index in stride(from: 0, to: header.count, by: 2) {
            sum += UInt32(header[index]) << 8 | UInt32(header[index + 1])
        }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        let checksum = ~UInt16(sum)
        header[10] = UInt8(checksum >> 8)
        header[11] = UInt8(checksum & 0xFF)
        return header
    }

    private func ipv6Header(_ source: Endpoint, _ destination: Endpoint, length: Int) -> [UInt8] {
        var header: [UInt8] = [0x60, 0, 0, 0]
        Self.append16(UInt16(length), to: &header)
        header += [6, 64]  // next header TCP, hop limit
        return header + source.address + destination.address
    }

    private static func mappedToIPv6(_ endpoint: Endpoint) -> Endpoint {
        guard endpoint.address.count == 4 else { return endpoint }
        return Endpoint(
            address: [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF] + endpoint.address, port: endpoint.port)
    }

    private static func append16(_ value: UInt16, to bytes: inout [UInt8]) {
        bytes += [UInt8(value >> 8), UInt8(value & 0xFF)]
    }

    private static func append32(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes += [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}
