import NIOCore

/// BackendKeyData (`K`): the process ID and secret key a client needs to cancel queries.
public struct BackendKeyData: Sendable, Hashable {
    /// The backend's process ID.
    public var processID: Int32
    /// The secret key: 4 bytes in protocol 3.0, up to 256 in 3.2.
    public var secretKey: [UInt8]

    /// A BackendKeyData with `processID` and `secretKey`.
    public init(processID: Int32, secretKey: [UInt8]) {
        self.processID = processID
        self.secretKey = secretKey
    }

    /// Reads a BackendKeyData from a message body (what follows the type byte and length); throws on malformed bytes.
    static func decode(from body: inout ByteBuffer) throws(WireFormatError) -> BackendKeyData {
        let processID = try body.readWireInteger(as: Int32.self, field: "process ID")
        let secretKey = try body.readSecretKey()
        return BackendKeyData(processID: processID, secretKey: secretKey)
    }

    /// Writes the message body (without the type byte and length) into `buffer`.
    func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(processID)
        buffer.writeBytes(secretKey)
    }
}
