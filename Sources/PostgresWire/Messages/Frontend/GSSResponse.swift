import NIOCore

/// GSSResponse (`p`): a GSSAPI or SSPI token, sent after AuthenticationGSS/SSPI/GSSContinue.
public struct GSSResponse: PayloadMessage {
    /// The token.
    public var data: ByteBuffer

    /// A GSSResponse carrying the token `data`.
    public init(data: ByteBuffer) {
        self.data = data
    }
}
