import NIOCore

/// CommandComplete (`C`): a statement finished; the tag names it and counts rows (`INSERT 0 1`, `SELECT 5`).
public struct CommandComplete: Sendable, Hashable {
    /// The command tag.
    public var tag: String

    /// A CommandComplete with `tag`.
    public init(tag: String) {
        self.tag = tag
    }

    /// Reads a CommandComplete from a message body (what follows the type byte and length); throws on malformed bytes.
    static func decode(from body: inout ByteBuffer) throws(WireFormatError) -> CommandComplete {
        CommandComplete(tag: try body.readCString(field: "command tag"))
    }

    /// Writes the message body (without the type byte and length) into `buffer`.
    func encode(into buffer: inout ByteBuffer) {
        buffer.writeCString(tag)
    }
}
