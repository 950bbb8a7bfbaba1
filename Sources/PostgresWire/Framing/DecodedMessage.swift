import NIOCore

/// A decoded message with where it was in its stream and its raw bytes.
public struct DecodedMessage: Sendable, Hashable {
    /// The message.
    public var message: WireMessage
    /// The stream offset of its first byte.
    public var offset: Int
    /// Its raw bytes, header included (a slice of the received bytes).
    public var bytes: ByteBuffer
    /// The types of its values, a Bind's parameters or a DataRow's columns, as the session's Parse,
    /// ParameterDescription, RowDescription and Bind messages told them; `nil` when not known. Binary values of
    /// the common types are rendered as values (`42`, not `\x0000002a`).
    public var valueTypes: [ValueType]?

    /// A decoded message found at `offset` in `bytes`, with the types of its values when known.
    public init(message: WireMessage, offset: Int, bytes: ByteBuffer, valueTypes: [ValueType]? = nil) {
        self.message = message
        self.offset = offset
        self.bytes = bytes
        self.valueTypes = valueTypes
    }

    /// Who sent it.
    public var direction: MessageDirection { message.direction }
}
