import NIOCore

/// Query (`Q`): a simple query, possibly several statements.
public struct Query: Sendable, Hashable {
    /// The query text.
    public var text: String

    /// A Query of `text`.
    public init(_ text: String) {
        self.text = text
    }

    /// Reads a Query from a message body (what follows the type byte and length); throws on malformed bytes.
    static func decode(from body: inout ByteBuffer) throws(WireFormatError) -> Query {
        Query(try body.readCString(field: "query"))
    }

    /// Writes the message body (without the type byte and length) into `buffer`.
    func encode(into buffer: inout ByteBuffer) {
        buffer.writeCString(text)
    }
}
