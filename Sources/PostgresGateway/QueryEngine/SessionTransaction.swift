/// The transaction a session's statements run in, as PostgreSQL keeps it for settings: an explicit block (BEGIN
/// to COMMIT) or the implicit transaction of a statement (of a whole simple query of several statements, of the
/// extended-protocol messages up to Sync), its savepoints, and the settings each of them goes back to when rolled
/// back (PostgreSQL's GUC nesting: SET LOCAL lasts until the transaction ends, any SET is undone by ROLLBACK and
/// ROLLBACK TO SAVEPOINT).
struct SessionTransaction: Sendable {
    /// A savepoint, with what ROLLBACK TO it restores.
    struct Savepoint: Sendable {
        /// The savepoint's name.
        var name: String
        /// The settings when it began.
        var settings: [String: String]
        /// ``SessionTransaction/sessionSettings`` when it began.
        var sessionSettings: [String: String]?
    }

    /// The settings when the transaction began (what its rollback restores); `nil` when no transaction is in
    /// progress.
    var startSettings: [String: String]?
    /// The open savepoints, innermost last.
    var savepoints: [Savepoint] = []
    /// The settings as the transaction's commit leaves them: the current ones, but those SET LOCAL changed (and the
    /// transaction's characteristics) as they were before; `nil` when nothing changed only for the transaction.
    var sessionSettings: [String: String]?
    /// Whether a statement that reads data (PostgreSQL takes its first snapshot) ran in the transaction: from then
    /// on its isolation level and read-write mode are fixed.
    var hasTakenSnapshot = false

    /// Whether a transaction is in progress.
    var isInProgress: Bool { startSettings != nil }

    /// Whether a savepoint is open (PostgreSQL runs in a subtransaction).
    var isSubtransaction: Bool { !savepoints.isEmpty }

    /// The index in ``savepoints`` of the innermost one named `name`; `nil` when there is none.
    func index(ofSavepoint name: String) -> Int? {
        savepoints.lastIndex { $0.name == name }
    }
}
