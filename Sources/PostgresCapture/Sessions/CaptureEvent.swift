import PostgresWire

/// One thing `CaptureDecoder` found in a capture: a message of a connection, or something about the connection
/// itself, with the time of the packet that made it known.
public struct CaptureEvent: Sendable {
    /// What happened.
    public enum Kind: Sendable {
        /// The connection's first packet: from its start (SYN or startup packet seen), or mid-stream (the capture
        /// started after the connection did; decoding starts at the first message boundary found).
        case opened(fromStart: Bool)
        /// A complete message.
        case message(DecodedMessage)
        /// A malformed message; decoding of that direction resumes at the next message boundary found.
        case failure(MessageDirection, WireDecodingError)
        /// Bytes of a direction the capture does not hold, at that stream offset.
        case gap(MessageDirection, byteCount: Int, streamOffset: Int)
        /// Decoding of a direction starts again at a message boundary, after skipping bytes that were not one.
        case resumed(MessageDirection, streamOffset: Int, skippedBytes: Int)
        /// Encryption (TLS or GSSAPI) was negotiated: the rest of the connection is not decoded.
        case encrypted
        /// The connection ended.
        case closed(CaptureConnectionClose)
    }

    /// The connection.
    public var connection: CaptureConnectionInfo
    /// When it happened: for a message or failure, the timestamp of the packet its first byte came in; for a gap,
    /// that of the packet its missing bytes follow; for a resumption, that of the packet of its first message; for
    /// the others, that of the packet that made it known.
    public var time: CaptureTimestamp
    /// What happened.
    public var kind: Kind

    /// Creates an event.
    public init(connection: CaptureConnectionInfo, time: CaptureTimestamp, kind: Kind) {
        self.connection = connection
        self.time = time
        self.kind = kind
    }
}

extension CaptureEvent.Kind {
    /// The kind of a session decoder's event, which moves into it: a switch over the event where it is handed on
    /// copied the message (every buffer and array it holds retained, then released), once per message.
    init(_ event: consuming SessionDecoder.Event) {
        switch consume event {
        case .message(let message): self = .message(message)
        case .failure(let direction, let error): self = .failure(direction, error)
        }
    }
}
