import PostgresCapture
import PostgresWire

/// One statement `pgw decode` followed: a Query, a FunctionCall, or the extended-protocol messages up to a Sync,
/// until the ReadyForQuery that ends it.
struct DecodeStatement {
    /// The SQL text (the Parse's query; empty when a prepared statement is executed without a Parse, and for a
    /// FunctionCall).
    var text: String
    /// The time of the packet that carried its first message, in a capture.
    var start: CaptureTimestamp?
    /// The SQLSTATE of the first error it got, if any.
    var sqlState: String?
    /// The time from its first message to its ReadyForQuery, once complete and when timed.
    var latency: StatementLatency?
}
