import NIOCore

/// Query (`Q`): a simple query, possibly several statements.
public struct Query: Sendable, Hashable {
    /// The query text.
    public var text: String

    /// A Query of `text`.
    public init(_ text: String) {
        self.text = text
    }

    static func decode(from body: inout ByteBuffer) throws(WireFormatError) -> Query {
        Query(try body.readCString(field: "query"))
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeCString(text)
    }
}
