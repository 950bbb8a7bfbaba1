import PostgresWire

/// Which messages `pgw decode` prints: `--only` and `--skip` message types, `--grep` on statement text.
struct DecodeMessageFilter {
    /// Types to print (lowercased); empty for all.
    var only: Set<String> = []
    /// Types not to print (lowercased).
    var skip: Set<String> = []
    /// With `--grep`: only Query and Parse messages whose text matches, and the ReadyForQuery of their statement.
    var pattern: Regex<AnyRegexOutput>?

    /// Whether `message` is printed; `statement` is the statement it completes, if any.
    func admits(_ message: DecodedMessage, completing statement: DecodeStatement?) -> Bool {
        let type = message.message.typeName.lowercased()
        guard only.isEmpty || only.contains(type), !skip.contains(type) else { return false }
        guard let pattern else { return true }
        switch message.message {
        case .frontend(.query(let query)): return query.text.contains(pattern)
        case .frontend(.parse(let parse)): return parse.query.contains(pattern)
        case .backend(.readyForQuery): return statement.map { $0.text.contains(pattern) } ?? false
        default: return false
        }
    }
}
