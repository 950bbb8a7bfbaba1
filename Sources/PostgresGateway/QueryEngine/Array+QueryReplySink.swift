import PostgresWire

/// The replies as messages, as ``QuerySession``'s public methods return them.
extension [BackendMessage]: QueryReplySink {
    @discardableResult
    mutating func appendResult(of outcome: QueryOutcome, formats: [FormatCode], description: Bool, rows: Bool) -> Bool {
        if description, let columns = outcome.resultColumns {
            append(.rowDescription(QuerySession.describe(columns, formats: formats)))
        }
        guard rows else { return true }
        let replies = QuerySession.rowReplies(of: outcome, formats: formats)
        append(contentsOf: replies)
        if case .errorResponse = replies.last { return false }
        return true
    }
}
