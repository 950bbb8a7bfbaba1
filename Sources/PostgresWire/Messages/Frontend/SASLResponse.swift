import NIOCore

/// SASLResponse (`p`): a SASL message after the first, such as SCRAM's client-final-message.
public struct SASLResponse: PayloadMessage {
    /// The mechanism-specific data.
    public var data: ByteBuffer

    /// A SASLResponse carrying `data`.
    public init(data: ByteBuffer) {
        self.data = data
    }
}
