import NIOCore
import PostgresWire

/// One statement a client ran through the proxy and what the server answered, as a `pgw serve` script rule.
struct RecordedStatement: Sendable {
    /// What the server answered.
    enum Outcome: Sendable {
        /// A result set: column names and type names (with their modifiers: `numeric(5,2)`), rows of text values (`nil` is NULL), the command tag.
        case result(columns: [(name: String, type: String)], rows: [[String?]], tag: String)
        /// A command without rows, and its tag.
        case command(tag: String)
        /// An ErrorResponse.
        case error(DiagnosticMessage)
        /// `COPY … TO STDOUT`: the data, in COPY's text format.
        case copyOut(String)
        /// `COPY … FROM STDIN`: the client's data was taken (a script rule for the statement alone takes it again
        /// and answers `COPY n` from the rows it counts).
        case copyIn
    }

    /// The statement's text, as the serve script matches it (`exact`).
    var statement: String
    /// The bound parameters (text format) of an extended-protocol execution; `nil` for a simple query.
    var parameters: [String?]?
    /// The parameters' types (OIDs) as the client declared them or the server described them; `nil` when unknown.
    var parameterTypes: [UInt32]? = nil
    /// What the server answered.
    var outcome: Outcome
    /// NoticeResponses that came with the answer.
    var notices: [DiagnosticMessage] = []
    /// NotificationResponses that came after it.
    var notifications: [NotificationResponse] = []
    /// How long the replay waits before answering (a statement the server cancelled: a CancelRequest or
    /// statement_timeout ends the wait again); `nil` for no wait.
    var delay: TimeAmount? = nil
}
