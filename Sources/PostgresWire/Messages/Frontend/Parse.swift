import NIOCore

/// Parse (`P`): creates a prepared statement.
public struct Parse: Sendable, Hashable {
    /// The statement name; empty for the unnamed statement.
    public var name: String
    /// The query text.
    public var query: String
    /// Parameter type OIDs; 0 leaves a type unspecified.
    public var parameterTypes: [UInt32]

    /// A Parse of `query` into statement `name` (the unnamed one by default).
    public init(name: String = "", query: String, parameterTypes: [UInt32] = []) {
        self.name = name
        self.query = query
        self.parameterTypes = parameterTypes
    }

    /// Reads a Parse from a message body (what follows the type byte and length); throws on malformed bytes.
    static func decode(from body: inout ByteBuffer) throws(WireFormatError) -> Parse {
        let name = try body.readCString(field: "statement name")
        let query = try body.readCString(field: "query")
        let parameterTypes = try body.readCountedArray(field: "parameter types") { buffer throws(WireFormatError) in
            try buffer.readWireInteger(as: UInt32.self, field: "parameter type")
        }
        return Parse(name: name, query: query, parameterTypes: parameterTypes)
    }

    /// Writes the message body (without the type byte and length) into `buffer`.
    func encode(into buffer: inout ByteBuffer) {
        buffer.writeCString(name)
        buffer.writeCString(query)
        buffer.writeCountedArray(parameterTypes) { $0.writeInteger($1) }
    }
}
