import NIOCore

/// One packet of a capture file: when it was captured, how its link layer is framed, and its captured bytes.
public struct CapturedPacket: Sendable {
    /// When the packet was captured.
    public var timestamp: CaptureTimestamp
    /// The link-layer header type (a libpcap `DLT_` value) of the interface it was captured on.
    public var linkType: Int32
    /// The captured bytes, starting with the link-layer header (possibly fewer than were on the wire).
    public var data: ByteBuffer

    /// Creates a packet.
    public init(timestamp: CaptureTimestamp, linkType: Int32, data: ByteBuffer) {
        self.timestamp = timestamp
        self.linkType = linkType
        self.data = data
    }
}
