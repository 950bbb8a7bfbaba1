import NIOCore

/// The body of Describe (`D`) and Close (`C`): a prepared statement or portal by name.
public struct StatementOrPortal: Sendable, Hashable {
    /// Whether `name` is a statement or a portal.
    public var kind: ObjectKind
    /// The name; empty for the unnamed statement or portal.
    public var name: String

    /// The statement or portal called `name`.
    public init(kind: ObjectKind, name: String) {
        self.kind = kind
        self.name = name
    }

    /// The named prepared statement.
    public static func statement(_ name: String) -> StatementOrPortal {
        StatementOrPortal(kind: .statement, name: name)
    }
    /// The named portal.
    public static func portal(_ name: String) -> StatementOrPortal { StatementOrPortal(kind: .portal, name: name) }

    /// Reads a StatementOrPortal from a message body (what follows the type byte and length); throws on malformed bytes.
    static func decode(from body: inout ByteBuffer) throws(WireFormatError) -> StatementOrPortal {
        StatementOrPortal(kind: try ObjectKind.read(from: &body), name: try body.readCString(field: "name"))
    }

    /// Writes the message body (without the type byte and length) into `buffer`.
    func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(kind.rawValue)
        buffer.writeCString(name)
    }
}
