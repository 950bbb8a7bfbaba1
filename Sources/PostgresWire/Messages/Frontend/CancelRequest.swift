import NIOCore

/// CancelRequest: sent on a new connection to cancel the query running on another.
public struct CancelRequest: Sendable, Hashable {
    /// The request code that identifies a CancelRequest packet.
    public static let requestCode: UInt32 = 80_877_102

    /// The process ID of the target backend, from its BackendKeyData.
    public var processID: Int32
    /// The secret key of the target backend: 4 bytes in protocol 3.0, up to 256 in 3.2.
    public var secretKey: [UInt8]

    /// A CancelRequest for the backend with `processID` and `secretKey`.
    public init(processID: Int32, secretKey: [UInt8]) {
        self.processID = processID
        self.secretKey = secretKey
    }

    /// Decodes the packet body after the length and request code.
    static func decode(from body: inout ByteBuffer) throws(WireFormatError) -> CancelRequest {
        let processID = try body.readWireInteger(as: Int32.self, field: "process ID")
        let secretKey = try body.readSecretKey()
        return CancelRequest(processID: processID, secretKey: secretKey)
    }

    /// Writes the message body (without the type byte and length) into `buffer`.
    func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(Int32(12 + secretKey.count))
        buffer.writeInteger(Self.requestCode)
        buffer.writeInteger(processID)
        buffer.writeBytes(secretKey)
    }
}
