/// What a mock server answers to a statement that neither the session plumbing nor a rule answers.
public enum UnmatchedStatementPolicy: String, Sendable, CaseIterable {
    /// One row with one `text` column, `echo`, holding the statement with its parameters substituted.
    case echo
    /// No rows: the statement's command tag (`INSERT 0 0`, `SELECT 0` with its columns).
    case empty
    /// An error, `0A000 pgw: no rule answers this statement`.
    case error
}
