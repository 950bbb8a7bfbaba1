import PostgresWire

/// Which messages `pgw decode` prints: `--only` and `--skip` message types, `--grep` on statement text.
struct DecodeMessageFilter {
    /// The `--only` and `--skip` message types.
    var types = MessageTypeFilter()
    /// With `--grep`: only the Query, Parse, Bind and Execute messages whose statement's text matches, and the
    /// ReadyForQuery of their round trip.
    var pattern: Regex<AnyRegexOutput>?

    /// Whether a DataRow or CopyData message (`typeName`), which no statement text matches, is printed.
    func admits(bulkMessageOfType typeName: String) -> Bool {
        pattern == nil && types.admits(typeName)
    }

    /// Whether `message` is printed; `statementText` is the text of the statement it parses, binds or executes (a
    /// Query's own), if known, and `roundTrip` the round trip it completes, if any.
    func admits(_ message: DecodedMessage, statementText: String?, completing roundTrip: DecodeRoundTrip?) -> Bool {
        guard types.admits(message.message.typeName) else { return false }
        guard let pattern else { return true }
        switch message.message {
        case .frontend(.query), .frontend(.parse), .frontend(.bind), .frontend(.execute):
            return statementText?.contains(pattern) ?? false
        case .backend(.readyForQuery): return roundTrip?.text?.contains(pattern) ?? false
        default: return false
        }
    }
}
