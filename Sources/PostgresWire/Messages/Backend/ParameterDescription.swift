import NIOCore

/// ParameterDescription (`t`): the parameter types of a prepared statement.
public struct ParameterDescription: Sendable, Hashable {
    /// The type OIDs, one per parameter.
    public var parameterTypes: [UInt32]

    /// A ParameterDescription with one type OID per parameter.
    public init(parameterTypes: [UInt32]) {
        self.parameterTypes = parameterTypes
    }

    /// Reads a ParameterDescription from a message body (what follows the type byte and length); throws on malformed bytes.
    static func decode(from body: inout ByteBuffer) throws(WireFormatError) -> ParameterDescription {
        let types = try body.readCountedArray(field: "parameter types") { buffer throws(WireFormatError) in
            try buffer.readWireInteger(as: UInt32.self, field: "parameter type")
        }
        return ParameterDescription(parameterTypes: types)
    }

    /// Writes the message body (without the type byte and length) into `buffer`.
    func encode(into buffer: inout ByteBuffer) {
        buffer.writeCountedArray(parameterTypes) { $0.writeInteger($1) }
    }
}
