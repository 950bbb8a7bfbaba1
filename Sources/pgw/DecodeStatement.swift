import PostgresWire

/// One statement `pgw decode --summary` counts: an Execute (of a portal bound from a prepared statement, named or
/// unnamed), a Query or a FunctionCall, timed with the round trip that carries it.
struct DecodeStatement {
    /// The SQL text: the Query's, or the text the executed statement was parsed with (empty when its Parse is not
    /// in the capture, and for a FunctionCall).
    var text: String
    /// The time from the first message of its round trip to the ReadyForQuery that ends it, when timed.
    var latency: StatementLatency?
}
