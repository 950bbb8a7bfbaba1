import NIOCore

/// One packet of a capture file: when it was captured, how its link layer is framed, and its captured bytes.
public struct CapturedPacket: Sendable {
    /// When the packet was captured.
    public var timestamp: CaptureTimestamp
    /// The link-layer header type (a libpcap `DLT_` value) of the interface it was captured on.
    public var linkType: Int32
    /// The captured bytes, starting with the link-layer header (possibly fewer than were on the wire).
    public var data: ByteBuffer
    /// Whether the packet matches the file's BPF filter (true without one): a packet that does not is still read,
    /// so that the connections are numbered as without the filter (``CaptureDecoder``).
    public var matchesFilter: Bool

    /// Creates a packet.
    public init(timestamp: CaptureTimestamp, linkType: Int32, data: ByteBuffer, matchesFilter: Bool = true) {
        self.timestamp = timestamp
        self.linkType = linkType
        self.data = data
        self.matchesFilter = matchesFilter
    }
}
