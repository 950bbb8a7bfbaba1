import NIOCore

/// Execute (`E`): runs a portal.
public struct Execute: Sendable, Hashable {
    /// The portal; empty for the unnamed portal.
    public var portal: String
    /// The maximum number of rows to return; 0 means no limit.
    public var maxRows: Int32

    /// An Execute of `portal` (the unnamed one by default) returning at most `maxRows` rows (0: all).
    public init(portal: String = "", maxRows: Int32 = 0) {
        self.portal = portal
        self.maxRows = maxRows
    }

    /// Reads a Execute from a message body (what follows the type byte and length); throws on malformed bytes.
    static func decode(from body: inout ByteBuffer) throws(WireFormatError) -> Execute {
        Execute(
            portal: try body.readCString(field: "portal name"),
            maxRows: try body.readWireInteger(field: "maximum row count")
        )
    }

    /// Writes the message body (without the type byte and length) into `buffer`.
    func encode(into buffer: inout ByteBuffer) {
        buffer.writeCString(portal)
        buffer.writeInteger(maxRows)
    }
}
