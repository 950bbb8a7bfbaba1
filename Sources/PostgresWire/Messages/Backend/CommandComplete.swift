import NIOCore

/// CommandComplete (`C`): a statement finished; the tag names it and counts rows (`INSERT 0 1`, `SELECT 5`).
public struct CommandComplete: Sendable, Hashable {
    /// The command tag.
    public var tag: String

    /// A CommandComplete with `tag`.
    public init(tag: String) {
        self.tag = tag
    }

    static func decode(from body: inout ByteBuffer) throws(WireFormatError) -> CommandComplete {
        CommandComplete(tag: try body.readCString(field: "command tag"))
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeCString(tag)
    }
}
