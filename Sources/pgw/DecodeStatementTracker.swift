import PostgresCapture
import PostgresWire

/// Follows the statements of one connection through its decoded messages, in conversation order
/// (``StatementTracker``), keeping each one's text, start time and first error; with timestamps, a completed
/// statement has its latency.
struct DecodeStatementTracker {
    private var statements = StatementTracker<DecodeStatement>()

    /// Takes the next message of the connection; returns the statement that `message` completed, if any.
    mutating func observe(_ message: WireMessage, at time: CaptureTimestamp?) -> DecodeStatement? {
        switch message {
        case .frontend(let frontend):
            guard let typeByte = frontend.typeByte else { return nil }
            statements.clientSent(typeByte) {
                switch frontend {
                case .query(let query): DecodeStatement(text: query.text, start: time)
                case .parse(let parse): DecodeStatement(text: parse.query, start: time)
                default: DecodeStatement(text: "", start: time)
                }
            }
        case .backend(.errorResponse(let error)):
            statements.serverSentError { statement in
                if statement.sqlState == nil { statement.sqlState = error.sqlState }
            }
        case .backend(.readyForQuery):
            guard var statement = statements.serverSentReadyForQuery() else { return nil }
            if let start = statement.start, let time {
                statement.latency = StatementLatency(nanoseconds: time.nanoseconds(since: start))
            }
            return statement
        default:
            break
        }
        return nil
    }
}
