/// How and with what a capture's connection ended.
public struct CaptureConnectionClose: Sendable, Hashable {
    /// Why the connection is over.
    public enum Reason: String, Sendable, Hashable {
        /// Both sides sent FIN.
        case finished = "FIN"
        /// A side sent RST.
        case reset = "RST"
        /// The capture ended while the connection was open.
        case endOfCapture = "end of capture"
    }

    /// Why the connection is over.
    public var reason: Reason
    /// Bytes (of both directions) after encryption was negotiated, which were not decoded.
    public var encryptedBytes: Int

    /// Creates a close record.
    public init(reason: Reason, encryptedBytes: Int) {
        self.reason = reason
        self.encryptedBytes = encryptedBytes
    }
}
