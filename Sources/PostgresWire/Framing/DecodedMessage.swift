import NIOCore

/// A decoded message with where it was in its stream and its raw bytes.
public struct DecodedMessage: Sendable, Hashable {
    /// The message.
    public var message: WireMessage
    /// The stream offset of its first byte.
    public var offset: Int
    /// Its raw bytes, header included (a slice of the received bytes).
    public var bytes: ByteBuffer

    /// A decoded message found at `offset` in `bytes`.
    public init(message: WireMessage, offset: Int, bytes: ByteBuffer) {
        self.message = message
        self.offset = offset
        self.bytes = bytes
    }

    /// Who sent it.
    public var direction: MessageDirection { message.direction }
}
