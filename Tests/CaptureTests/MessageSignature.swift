import NIOCore
import PostgresWire

/// What two decodings of the same bytes must agree on for each message: its name, where it starts and its bytes.
struct MessageSignature: Sendable, Equatable, CustomStringConvertible {
    var typeName: String
    var offset: Int
    var bytes: ByteBuffer

    init(_ decoded: DecodedMessage) {
        typeName = decoded.message.typeName
        offset = decoded.offset
        bytes = decoded.bytes
    }

    var description: String { "\(typeName)@\(offset)(\(bytes.readableBytes) B)" }
}
