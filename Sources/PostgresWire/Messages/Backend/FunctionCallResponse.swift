import NIOCore

/// FunctionCallResponse (`V`): the result of a FunctionCall.
public struct FunctionCallResponse: Sendable, Hashable {
    /// The result value; `nil` is SQL NULL.
    public var result: ByteBuffer?

    /// A FunctionCallResponse with `result`; `nil` is SQL NULL.
    public init(result: ByteBuffer?) {
        self.result = result
    }

    /// Reads a FunctionCallResponse from a message body (what follows the type byte and length); throws on malformed bytes.
    static func decode(from body: inout ByteBuffer) throws(WireFormatError) -> FunctionCallResponse {
        FunctionCallResponse(result: try body.readNullableBytes(field: "result length"))
    }

    /// Writes the message body (without the type byte and length) into `buffer`.
    func encode(into buffer: inout ByteBuffer) {
        buffer.writeNullableBytes(result)
    }
}
