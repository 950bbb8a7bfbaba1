import PostgresWire

/// Where a ``QuerySession`` puts its replies: a list of messages (its public API) or encoded bytes (the gateway's
/// channel handler, see ``EncodedReplies``, which sends a result set asked for again from the bytes it encoded).
protocol QueryReplySink {
    /// Appends one reply.
    mutating func append(_ message: BackendMessage)

    /// Appends the replies to a result set (a ``QueryOutcome/rows(columns:rows:tag:)`` or
    /// ``QueryOutcome/result(columns:rows:tag:)`` outcome) with its values in `formats`: its RowDescription if
    /// `description`, its DataRows and CommandComplete if `rows`. Returns `false` when the rows could not be sent in
    /// `formats` and an ErrorResponse took their place (see ``QuerySession/rowReplies(of:formats:)``).
    @discardableResult
    mutating func appendResult(of outcome: QueryOutcome, formats: [FormatCode], description: Bool, rows: Bool) -> Bool
}

extension QueryReplySink {
    /// Appends replies in order.
    mutating func append(contentsOf messages: [BackendMessage]) {
        for message in messages { append(message) }
    }
}
