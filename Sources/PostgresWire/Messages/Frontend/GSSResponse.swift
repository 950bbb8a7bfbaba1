import NIOCore

/// GSSResponse (`p`): a GSSAPI or SSPI token, sent after AuthenticationGSS/SSPI/GSSContinue.
public struct GSSResponse: PayloadMessage {
    /// The token.
    public var data: ByteBuffer

    public init(data: ByteBuffer) {
        self.data = data
    }
}
