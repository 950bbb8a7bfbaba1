import NIOCore

/// The TCP part of one captured packet: who sent it to whom, its sequence numbers, flags and payload.
public struct TCPSegment: Sendable {
    /// The sender.
    public var source: Endpoint
    /// The receiver.
    public var destination: Endpoint
    /// The sequence number of the first payload byte (of the SYN, when set).
    public var sequenceNumber: UInt32
    /// The acknowledgement number (meaningful with ``isAcknowledgement``).
    public var acknowledgementNumber: UInt32
    /// The TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10).
    public var flags: UInt8
    /// The payload (the captured part of it).
    public var payload: ByteBuffer

    /// Creates a segment.
    public init(
        source: Endpoint, destination: Endpoint, sequenceNumber: UInt32, acknowledgementNumber: UInt32,
        flags: UInt8, payload: ByteBuffer
    ) {
        self.source = source
        self.destination = destination
        self.sequenceNumber = sequenceNumber
        self.acknowledgementNumber = acknowledgementNumber
        self.flags = flags
        self.payload = payload
    }

    /// The FIN flag: the sender has no more data.
    public var isFinish: Bool { flags & 0x01 != 0 }
    /// The SYN flag: the sender's first sequence number.
    public var isSynchronize: Bool { flags & 0x02 != 0 }
    /// The RST flag: the connection is aborted.
    public var isReset: Bool { flags & 0x04 != 0 }
    /// The ACK flag: ``acknowledgementNumber`` is valid.
    public var isAcknowledgement: Bool { flags & 0x10 != 0 }
}
