import NIOCore

/// PasswordMessage (`p`): a cleartext password or an md5 response.
public struct PasswordMessage: Sendable, Hashable {
    /// The password, or `md5` followed by the hex digest.
    public var password: String

    /// A PasswordMessage carrying `password`.
    public init(password: String) {
        self.password = password
    }

    /// Reads a PasswordMessage from a message body (what follows the type byte and length); throws on malformed bytes.
    static func decode(from body: inout ByteBuffer) throws(WireFormatError) -> PasswordMessage {
        PasswordMessage(password: try body.readCString(field: "password"))
    }

    /// Writes the message body (without the type byte and length) into `buffer`.
    func encode(into buffer: inout ByteBuffer) {
        buffer.writeCString(password)
    }
}
