import PostgresCapture
import PostgresWire

/// Follows the statements of one connection through its messages, in conversation order: each Query, or each run
/// of extended-protocol messages up to a Sync, is one statement, completed by the ReadyForQuery answering it
/// (pipelined statements are answered in order). With timestamps, each completed statement has its latency.
struct DecodeStatementTracker {
    private var waiting: [DecodeStatement] = []
    private var building: DecodeStatement?
    /// Statements are not followed before the connection is ready (its first ReadyForQuery) or while COPY runs.
    private var isReady = false

    /// Takes the next message of the connection; returns the statement that `message` completed, if any.
    mutating func observe(_ message: WireMessage, at time: CaptureTimestamp?) -> DecodeStatement? {
        switch message {
        case .frontend(.query(let query)):
            waiting.append(DecodeStatement(text: query.text, start: time))
        case .frontend(.parse(let parse)):
            if building == nil { building = DecodeStatement(text: parse.query, start: time) }
        case .frontend(.bind), .frontend(.execute), .frontend(.describe), .frontend(.close):
            if building == nil { building = DecodeStatement(text: "", start: time) }
        case .frontend(.sync):
            if let statement = building { waiting.append(statement) }
            building = nil
        case .backend(.errorResponse(let error)):
            if let index = waiting.indices.first, waiting[index].sqlState == nil {
                waiting[index].sqlState = error.sqlState
            }
        case .backend(.readyForQuery):
            defer { isReady = true }
            guard isReady, !waiting.isEmpty else { return nil }
            var statement = waiting.removeFirst()
            if let start = statement.start, let time { statement.latency = time.seconds(since: start) }
            return statement
        default:
            break
        }
        return nil
    }
}
