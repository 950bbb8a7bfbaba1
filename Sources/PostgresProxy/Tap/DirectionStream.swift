import NIOCore

/// One direction of a tapped connection: the bytes not decoded yet and the counters.
struct DirectionStream {
    /// Relayed bytes waiting for the rest of their message.
    var pending = ByteBuffer()
    /// The stream offset of `pending`'s first readable byte.
    var offset = 0
    /// Whether decoding gave up (the stream lost its framing); bytes are still relayed and counted.
    var isStopped = false
    /// Messages seen.
    var messageCount = 0
    /// Bytes relayed.
    var byteCount = 0

    /// Adds relayed bytes.
    mutating func append(_ bytes: ByteBuffer) {
        byteCount += bytes.readableBytes
        guard !isStopped else { return }
        if pending.readableBytes == 0 {
            pending = bytes
        } else {
            var bytes = bytes
            pending.writeBuffer(&bytes)
        }
    }

    /// Frees consumed bytes once enough have piled up.
    mutating func compact() {
        if pending.readableBytes == 0 {
            pending = ByteBuffer()
        } else if pending.readerIndex > 65_536 {
            pending.discardReadBytes()
        }
    }

    /// Whether the stream ends on a message boundary.
    var isAtMessageBoundary: Bool { isStopped || pending.readableBytes == 0 }
}
