import PostgresWire

/// A DataRow or CopyData message of a capture's connection, framed in place rather than decoded (see
/// ``CaptureDecoder/process(_:framingBulkMessages:emit:)``): its bytes are valid only during the call that hands it
/// out.
public struct CaptureFrame {
    /// The connection.
    public var connection: CaptureConnectionInfo
    /// The timestamp of the packet its first byte came in.
    public var time: CaptureTimestamp
    /// Who sent it.
    public var direction: MessageDirection
    /// Its type byte and body, in place.
    public var frame: RawMessageFrame
    /// The types of a DataRow's columns, as the session's messages told them; `nil` when not known.
    public var valueTypes: [ValueType]?
}
