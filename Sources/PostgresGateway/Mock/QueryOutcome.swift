import PostgresWire

/// What one SQL statement produces in a mock server.
public enum QueryOutcome: Sendable, Hashable {
    /// A result set: columns, rows of text values (`nil` is NULL) and the command tag (`SELECT 2`).
    case rows(columns: [String], rows: [[String?]], tag: String)
    /// A statement without a result set, such as `SET` or `INSERT 0 1`, and its effect on the session.
    case command(tag: String, effect: SessionEffect = .none)
    /// An empty query string.
    case empty
    /// An error.
    case error(DiagnosticMessage)

    /// How a statement changes the session.
    public enum SessionEffect: Sendable, Hashable {
        case none
        /// BEGIN or START TRANSACTION.
        case beginTransaction
        /// COMMIT or END (a failed transaction rolls back instead).
        case commit
        /// ROLLBACK or ABORT.
        case rollback
        /// SET name TO value.
        case set(name: String, value: String)
    }
}
