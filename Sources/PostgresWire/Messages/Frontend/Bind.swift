import NIOCore

/// Bind (`B`): creates a portal from a prepared statement and parameter values.
public struct Bind: Sendable, Hashable {
    /// The destination portal; empty for the unnamed portal.
    public var portal: String
    /// The source prepared statement; empty for the unnamed statement.
    public var statement: String
    /// Parameter format codes: none (all text), one (for all) or one per parameter.
    public var parameterFormats: [FormatCode]
    /// Parameter values; `nil` is SQL NULL.
    public var parameters: [ByteBuffer?]
    /// Result column format codes: none (all text), one (for all) or one per column.
    public var resultFormats: [FormatCode]

    /// A Bind of `statement`'s parameters into `portal` (the unnamed ones by default).
    public init(
        portal: String = "",
        statement: String = "",
        parameterFormats: [FormatCode] = [],
        parameters: [ByteBuffer?] = [],
        resultFormats: [FormatCode] = []
    ) {
        self.portal = portal
        self.statement = statement
        self.parameterFormats = parameterFormats
        self.parameters = parameters
        self.resultFormats = resultFormats
    }

    /// Reads a Bind from a message body (what follows the type byte and length); throws on malformed bytes.
    static func decode(from body: inout ByteBuffer) throws(WireFormatError) -> Bind {
        let portal = try body.readCString(field: "portal name")
        let statement = try body.readCString(field: "statement name")
        let parameterFormats = try body.readCountedArray(field: "parameter formats") { buffer throws(WireFormatError) in
            try FormatCode.read(from: &buffer, field: "parameter format")
        }
        let parameters = try body.readCountedArray(field: "parameters") { buffer throws(WireFormatError) in
            try buffer.readNullableBytes(field: "parameter length")
        }
        let resultFormats = try body.readCountedArray(field: "result formats") { buffer throws(WireFormatError) in
            try FormatCode.read(from: &buffer, field: "result format")
        }
        return Bind(
            portal: portal,
            statement: statement,
            parameterFormats: parameterFormats,
            parameters: parameters,
            resultFormats: resultFormats
        )
    }

    /// Writes the message body (without the type byte and length) into `buffer`.
    func encode(into buffer: inout ByteBuffer) {
        buffer.writeCString(portal)
        buffer.writeCString(statement)
        buffer.writeCountedArray(parameterFormats) { $0.writeInteger($1.rawValue) }
        buffer.writeCountedArray(parameters) { $0.writeNullableBytes($1) }
        buffer.writeCountedArray(resultFormats) { $0.writeInteger($1.rawValue) }
    }
}
