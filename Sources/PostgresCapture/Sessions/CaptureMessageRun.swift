import PostgresWire

/// Consecutive DataRow or CopyData messages of one of a capture's connections, counted in place (see
/// ``CaptureDecoder/process(_:countingBulkMessages:emit:)``).
public struct CaptureMessageRun {
    /// The connection.
    public var connection: CaptureConnectionInfo
    /// The timestamp of the packet that completed the run's last message.
    public var time: CaptureTimestamp
    /// The messages' direction, type name, number and bytes.
    public var run: MessageStatistics.Entry
}
