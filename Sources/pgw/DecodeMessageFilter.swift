import PostgresWire

/// Which messages `pgw decode` prints: `--only` and `--skip` message types, `--grep` on statement text.
struct DecodeMessageFilter {
    /// The `--only` and `--skip` message types.
    var types = MessageTypeFilter()
    /// With `--grep`: only Query and Parse messages whose text matches, and the ReadyForQuery of their statement.
    var pattern: Regex<AnyRegexOutput>?

    /// Whether a DataRow or CopyData message (`typeName`), which no statement text matches, is printed.
    func admits(bulkMessageOfType typeName: String) -> Bool {
        pattern == nil && types.admits(typeName)
    }

    /// Whether `message` is printed; `statement` is the statement it completes, if any.
    func admits(_ message: DecodedMessage, completing statement: DecodeStatement?) -> Bool {
        guard types.admits(message.message.typeName) else { return false }
        guard let pattern else { return true }
        switch message.message {
        case .frontend(.query(let query)): return query.text.contains(pattern)
        case .frontend(.parse(let parse)): return parse.query.contains(pattern)
        case .backend(.readyForQuery): return statement.map { $0.text.contains(pattern) } ?? false
        default: return false
        }
    }
}
