import NIOCore

/// FunctionCallResponse (`V`): the result of a FunctionCall.
public struct FunctionCallResponse: Sendable, Hashable {
    /// The result value; `nil` is SQL NULL.
    public var result: ByteBuffer?

    /// A FunctionCallResponse with `result`; `nil` is SQL NULL.
    public init(result: ByteBuffer?) {
        self.result = result
    }

    static func decode(from body: inout ByteBuffer) throws(WireFormatError) -> FunctionCallResponse {
        FunctionCallResponse(result: try body.readNullableBytes(field: "result length"))
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeNullableBytes(result)
    }
}
