import NIOCore

/// A message whose whole body is one opaque payload.
public protocol PayloadMessage: Sendable, Hashable {
    /// The payload, a slice of the received bytes.
    var data: ByteBuffer { get }
    /// Creates the message around `data`.
    init(data: ByteBuffer)
}

extension PayloadMessage {
    /// Reads a Self from a message body (what follows the type byte and length); throws on malformed bytes.
    static func decode(from body: inout ByteBuffer) -> Self {
        Self(data: body.readRemainingSlice())
    }

    /// Writes the message body (without the type byte and length) into `buffer`.
    func encode(into buffer: inout ByteBuffer) {
        buffer.writeImmutableBuffer(data)
    }
}
