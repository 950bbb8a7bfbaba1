import NIOCore

/// FunctionCall (`F`): the legacy fast-path function call, still used for large objects.
public struct FunctionCall: Sendable, Hashable {
    /// The OID of the function to call.
    public var functionOID: UInt32
    /// Argument format codes: none (all text), one (for all) or one per argument.
    public var argumentFormats: [FormatCode]
    /// Argument values; `nil` is SQL NULL.
    public var arguments: [ByteBuffer?]
    /// The format of the result.
    public var resultFormat: FormatCode

    /// A call of function `functionOID` with `arguments` in `argumentFormats`, the result in `resultFormat`.
    public init(functionOID: UInt32, argumentFormats: [FormatCode], arguments: [ByteBuffer?], resultFormat: FormatCode)
    {
        self.functionOID = functionOID
        self.argumentFormats = argumentFormats
        self.arguments = arguments
        self.resultFormat = resultFormat
    }

    /// Reads a FunctionCall from a message body (what follows the type byte and length); throws on malformed bytes.
    static func decode(from body: inout ByteBuffer) throws(WireFormatError) -> FunctionCall {
        let functionOID = try body.readWireInteger(as: UInt32.self, field: "function OID")
        let argumentFormats = try body.readCountedArray(field: "argument formats") { buffer throws(WireFormatError) in
            try FormatCode.read(from: &buffer, field: "argument format")
        }
        let arguments = try body.readCountedArray(field: "arguments") { buffer throws(WireFormatError) in
            try buffer.readNullableBytes(field: "argument length")
        }
        let resultFormat = try FormatCode.read(from: &body, field: "result format")
        return FunctionCall(
            functionOID: functionOID,
            argumentFormats: argumentFormats,
            arguments: arguments,
            resultFormat: resultFormat
        )
    }

    /// Writes the message body (without the type byte and length) into `buffer`.
    func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(functionOID)
        buffer.writeCountedArray(argumentFormats) { $0.writeInteger($1.rawValue) }
        buffer.writeCountedArray(arguments) { $0.writeNullableBytes($1) }
        buffer.writeInteger(resultFormat.rawValue)
    }
}
