/// The inbound user event a ``TLSHandler`` fires once its handshake has completed.
public struct TLSHandshakeCompleted: Sendable, Hashable {
    /// The facts of the new connection.
    public var info: TLSConnectionInfo

    /// Wraps the facts of a completed handshake.
    public init(_ info: TLSConnectionInfo) {
        self.info = info
    }
}
