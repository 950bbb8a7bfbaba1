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
    /// Bytes of an oversized message still to come, which pass without being kept (see
    /// ``ConnectionTap/largestDecodedMessage``).
    var bytesToSkip = 0

    /// Adds relayed bytes.
    mutating func append(_ bytes: ByteBuffer) {
        byteCount += bytes.readableBytes
        guard !isStopped else { return }
        var bytes = bytes
        if bytesToSkip > 0 {
            let skipped = min(bytesToSkip, bytes.readableBytes)
            bytes.moveReaderIndex(forwardBy: skipped)
            bytesToSkip -= skipped
        }
        if pending.readableBytes == 0 {
            pending = bytes
        } else {
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
    var isAtMessageBoundary: Bool { isStopped || (pending.readableBytes == 0 && bytesToSkip == 0) }

    /// ``typedHeader`` when the whole message is there.
    var completeTypedHeader: (typeByte: UInt8, wireLength: Int)? {
        guard let header = typedHeader, header.wireLength <= pending.readableBytes else { return nil }
        return header
    }

    /// Steps over the whole message of `wireLength` bytes at the start of `pending` and counts it.
    mutating func pass(wireLength: Int) {
        pending.moveReaderIndex(forwardBy: wireLength)
        offset += wireLength
        messageCount += 1
    }

    /// The type byte and whole length of the typed message at the start of `pending`, when its header is there.
    var typedHeader: (typeByte: UInt8, wireLength: Int)? {
        guard let (typeByte, length) = pending.getMultipleIntegers(at: pending.readerIndex, as: (UInt8, Int32).self),
            length >= 4
        else { return nil }
        return (typeByte, Int(length) + 1)
    }
}
