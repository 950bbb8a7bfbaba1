import NIOCore

/// SASLInitialResponse (`p`): the chosen SASL mechanism and its first message.
public struct SASLInitialResponse: Sendable, Hashable {
    /// The mechanism, such as `SCRAM-SHA-256` or `SCRAM-SHA-256-PLUS`.
    public var mechanism: String
    /// The initial response (SCRAM's client-first-message); `nil` when absent (length -1).
    public var data: ByteBuffer?

    /// A SASLInitialResponse choosing `mechanism`, with its first message.
    public init(mechanism: String, data: ByteBuffer?) {
        self.mechanism = mechanism
        self.data = data
    }

    /// Reads a SASLInitialResponse from a message body (what follows the type byte and length); throws on malformed bytes.
    static func decode(from body: inout ByteBuffer) throws(WireFormatError) -> SASLInitialResponse {
        SASLInitialResponse(
            mechanism: try body.readCString(field: "mechanism"),
            data: try body.readNullableBytes(field: "initial response length")
        )
    }

    /// Writes the message body (without the type byte and length) into `buffer`.
    func encode(into buffer: inout ByteBuffer) {
        buffer.writeCString(mechanism)
        buffer.writeNullableBytes(data)
    }
}
