import NIOCore

/// CopyFail (`f`): the frontend aborts a COPY FROM STDIN.
public struct CopyFail: Sendable, Hashable {
    /// Why the copy failed.
    public var message: String

    /// A CopyFail giving `message` as the reason.
    public init(message: String) {
        self.message = message
    }

    /// Reads a CopyFail from a message body (what follows the type byte and length); throws on malformed bytes.
    static func decode(from body: inout ByteBuffer) throws(WireFormatError) -> CopyFail {
        CopyFail(message: try body.readCString(field: "error message"))
    }

    /// Writes the message body (without the type byte and length) into `buffer`.
    func encode(into buffer: inout ByteBuffer) {
        buffer.writeCString(message)
    }
}
