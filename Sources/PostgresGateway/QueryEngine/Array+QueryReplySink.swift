import PostgresWire

/// The replies as messages, as ``QuerySession``'s public methods return them.
extension [BackendMessage]: QueryReplySink {
    mutating func appendResult(of outcome: QueryOutcome, formats: [FormatCode], description: Bool, rows: Bool) {
        if description, let columns = outcome.resultColumns {
            append(.rowDescription(QuerySession.describe(columns, formats: formats)))
        }
        if rows { append(contentsOf: QuerySession.rowReplies(of: outcome, formats: formats)) }
    }
}
