import NIOCore

/// CopyFail (`f`): the frontend aborts a COPY FROM STDIN.
public struct CopyFail: Sendable, Hashable {
    /// Why the copy failed.
    public var message: String

    /// A CopyFail giving `message` as the reason.
    public init(message: String) {
        self.message = message
    }

    static func decode(from body: inout ByteBuffer) throws(WireFormatError) -> CopyFail {
        CopyFail(message: try body.readCString(field: "error message"))
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeCString(message)
    }
}
