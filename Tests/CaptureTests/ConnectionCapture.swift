import NIOCore
import PostgresWire

/// Every byte one relayed connection carried, per direction, plus the order in which the relay read them.
struct ConnectionCapture: Sendable {
    /// The position of this connection among those the relay accepted, starting at 0.
    var index: Int
    /// Bytes sent by the client to the server.
    var frontend = ByteBuffer()
    /// Bytes sent by the server to the client.
    var backend = ByteBuffer()
    /// The relay's reads in the order they happened, which interleaves the two directions causally.
    var segments: [CaptureSegment] = []

    init(index: Int) {
        self.index = index
    }

    /// The bytes sent in `direction`.
    func bytes(_ direction: MessageDirection) -> ByteBuffer {
        switch direction {
        case .frontend: frontend
        case .backend: backend
        }
    }

    /// Records one read of `bytes` travelling in `direction`.
    mutating func append(_ bytes: ByteBuffer, from direction: MessageDirection) {
        guard bytes.readableBytes > 0 else { return }
        segments.append(CaptureSegment(direction: direction, length: bytes.readableBytes))
        switch direction {
        case .frontend: frontend.writeImmutableBuffer(bytes)
        case .backend: backend.writeImmutableBuffer(bytes)
        }
    }
}
