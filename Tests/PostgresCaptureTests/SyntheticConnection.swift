import NIOCore
import PostgresCapture
import PostgresWire

/// The TCP segments of one made-up connection: a handshake, messages in either direction, and a close, each with
/// the right sequence and acknowledgement numbers.
struct SyntheticConnection {
    var client: Endpoint
    var server: Endpoint
    var clientSequence: UInt32 = 0xFFFF_FF00
    var serverSequence: UInt32 = 7000

    /// A connection between two IPv4 loopback addresses.
    static func ipv4(clientPort: UInt16 = 50_000, serverPort: UInt16 = 5432) -> SyntheticConnection {
        SyntheticConnection(
            client: Endpoint(address: [127, 0, 0, 1], port: clientPort),
            server: Endpoint(address: [127, 0, 0, 2], port: serverPort))
    }

    /// A connection between two IPv6 addresses.
    static func ipv6(clientPort: UInt16 = 50_000, serverPort: UInt16 = 5432) -> SyntheticConnection {
        SyntheticConnection(
            client: Endpoint(address: Array(repeating: 0, count: 15) + [1], port: clientPort),
            server: Endpoint(
                address: [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [5], port: serverPort))
    }

    /// SYN, SYN-ACK, ACK.
    mutating func handshake() -> [TCPSegment] {
        let syn = segment(.frontend, flags: 0x02, payload: [])
        clientSequence &+= 1
        let synAcknowledgement = segment(.backend, flags: 0x12, payload: [])
        serverSequence &+= 1
        return [syn, synAcknowledgement, segment(.frontend, flags: 0x10, payload: [])]
    }

    /// One segment carrying `messages` from their side.
    mutating func send(_ messages: [WireMessage]) -> TCPSegment {
        var bytes = ByteBuffer()
        for message in messages { message.encode(into: &bytes) }
        return send(messages.first!.direction, Array(bytes.readableBytesView))
    }

    /// One segment carrying `bytes` from `direction`'s side.
    mutating func send(_ direction: MessageDirection, _ bytes: [UInt8]) -> TCPSegment {
        let result = segment(direction, flags: 0x18, payload: bytes)
        if direction == .frontend {
            clientSequence &+= UInt32(bytes.count)
        } else {
            serverSequence &+= UInt32(bytes.count)
        }
        return result
    }

    /// FIN from both sides.
    mutating func close() -> [TCPSegment] {
        let clientFinish = segment(.frontend, flags: 0x11, payload: [])
        clientSequence &+= 1
        let serverFinish = segment(.backend, flags: 0x11, payload: [])
        serverSequence &+= 1
        return [clientFinish, serverFinish]
    }

    func segment(_ direction: MessageDirection, flags: UInt8, payload: [UInt8]) -> TCPSegment {
        let fromClient = direction == .frontend
        return TCPSegment(
            source: fromClient ? client : server, destination: fromClient ? server : client,
            sequenceNumber: fromClient ? clientSequence : serverSequence,
            acknowledgementNumber: fromClient ? serverSequence : clientSequence, flags: flags,
            payload: ByteBuffer(bytes: payload))
    }
}
