import PostgresCapture
import PostgresWire

/// Follows the statements of one connection through its decoded messages, in conversation order
/// (``StatementTracker``), keeping each one's text, start time and first error; with timestamps, a completed
/// statement has its latency.
struct DecodeStatementTracker {
    /// The most prepared statements' texts kept; past it they are forgotten (such statements show no text).
    static let preparedStatementLimit = 10_000

    private var statements = StatementTracker<DecodeStatement>()
    /// The text of each named prepared statement, for the statements that execute it without a Parse.
    private var preparedTexts: [String: String] = [:]

    /// Takes the next message of the connection; returns the statement that `message` completed, if any.
    mutating func observe(_ message: WireMessage, at time: CaptureTimestamp?) -> DecodeStatement? {
        switch message {
        case .frontend(let frontend):
            guard let typeByte = frontend.typeByte else { return nil }
            switch frontend {
            case .parse(let parse) where !parse.name.isEmpty:
                if preparedTexts.count >= Self.preparedStatementLimit { preparedTexts.removeAll() }
                preparedTexts[parse.name] = parse.query
            case .close(let target) where target.kind == .statement:
                preparedTexts[target.name] = nil
            default:
                break
            }
            statements.clientSent(typeByte) {
                switch frontend {
                case .query(let query): DecodeStatement(text: query.text, start: time)
                case .parse(let parse): DecodeStatement(text: parse.query, start: time)
                case .bind(let bind): DecodeStatement(text: preparedTexts[bind.statement] ?? "", start: time)
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
