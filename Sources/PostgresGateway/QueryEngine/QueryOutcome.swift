import NIOCore
import PostgresWire

/// What one SQL statement produces in a mock server.
public enum QueryOutcome: Sendable, Hashable {
    /// A result set of `text` columns: column names, rows of text values (`nil` is NULL) and the command tag
    /// (`SELECT 2`).
    case rows(columns: [String], rows: [[String?]], tag: String)
    /// A result set with typed columns; values are in PostgreSQL's text format.
    case result(columns: [ResultColumn], rows: [[String?]], tag: String)
    /// A statement without a result set, such as `SET` or `INSERT 0 1`, and its effect on the session.
    case command(tag: String, effect: SessionEffect = .none)
    /// An empty query string.
    case empty
    /// An error.
    case error(DiagnosticMessage)
    /// `COPY … TO STDOUT`: the data in COPY's text format (lines of tab-separated values).
    case copyOut(String)
    /// `COPY … TO STDOUT` of no rows, as PostgreSQL answers one whose query returns none: CopyOutResponse (a column
    /// per name, in `format`), what COPY writes for no rows (a `HEADER` line of the column names, separated by
    /// `delimiter` or the format's own; the binary format's signature and trailer), CopyDone and `COPY 0`.
    case emptyCopyOut(columns: [String], format: CopyFormat, delimiter: String?)
    /// `COPY … FROM STDIN`: CopyInResponse (`columns` columns in `format`), then the client's data is taken until
    /// CopyDone (`COPY rows`, counting rows as PostgreSQL does) or CopyFail (57014).
    case copyIn(columns: Int, format: CopyFormat)
    /// Notices (NoticeResponse) sent before the outcome.
    indirect case notices([DiagnosticMessage], then: QueryOutcome)
    /// Notifications (NotificationResponse, as from NOTIFY) sent after the outcome.
    indirect case notifying([NotificationResponse], after: QueryOutcome)
    /// The outcome after a pause, as of a slow statement; a CancelRequest with the session's key ends the pause
    /// with `57014 canceling statement due to user request`. Only at the top of an outcome (inside others it is
    /// answered without the pause).
    indirect case delayed(TimeAmount, then: QueryOutcome)
    /// The outcome (none: nothing at all) and then the connection is closed, as when a server goes away.
    indirect case closing(after: QueryOutcome?)

    /// How a statement changes the session.
    public enum SessionEffect: Sendable, Hashable {
        case none
        /// BEGIN or START TRANSACTION, with the `transaction_…` settings its modes give (`transaction_isolation`:
        /// `serializable`, `transaction_read_only`: `on`…).
        case beginTransaction(characteristics: [String: String])
        /// COMMIT or END (a failed transaction rolls back instead); `AND CHAIN` starts a transaction of the same
        /// characteristics.
        case commit(chain: Bool)
        /// ROLLBACK or ABORT; `AND CHAIN` starts a transaction of the same characteristics.
        case rollback(chain: Bool)
        /// SAVEPOINT name.
        case savepoint(String)
        /// RELEASE SAVEPOINT name.
        case releaseSavepoint(String)
        /// ROLLBACK TO SAVEPOINT name: its settings come back, and a failed transaction is usable again.
        case rollbackToSavepoint(String)
        /// SET name TO value, for each entry.
        case set([String: String])
        /// SET LOCAL name TO value (or `set_config(name, value, true)`), for each entry: until the transaction ends.
        case setLocal([String: String])
        /// SET TRANSACTION: the `transaction_…` settings, for the transaction.
        case setTransaction([String: String])
        /// SET CONSTRAINTS: nothing changes without tables; outside a transaction block, PostgreSQL's warning.
        case setConstraints
        /// RESET name: back to the session's initial value.
        case reset(name: String)
        /// RESET ALL.
        case resetAll
        /// DISCARD ALL: RESET ALL, and the prepared statements and portals are dropped.
        case discardAll
    }

    /// The rows and command tag of a result set (``rows(columns:rows:tag:)``, ``result(columns:rows:tag:)``), `nil`
    /// for other outcomes.
    var resultSet: (rows: [[String?]], tag: String)? {
        switch self {
        case .rows(_, let rows, let tag), .result(_, let rows, let tag): (rows, tag)
        default: nil
        }
    }

    /// The columns of a result set, `nil` for other outcomes.
    var resultColumns: [ResultColumn]? {
        switch self {
        case .rows(let columns, _, _): columns.map { ResultColumn(name: $0, type: .text) }
        case .result(let columns, _, _): columns
        case .notices(_, let outcome), .notifying(_, let outcome), .delayed(_, let outcome): outcome.resultColumns
        case .closing(let outcome): outcome?.resultColumns
        default: nil
        }
    }

    /// The outcome with its result set (``result(columns:rows:tag:)``, also inside notices, notifications, a delay
    /// or a closing) replaced by `transform`'s.
    func mappingResult(_ transform: ([ResultColumn], [[String?]], String) -> QueryOutcome) -> QueryOutcome {
        switch self {
        case .result(let columns, let rows, let tag): transform(columns, rows, tag)
        case .notices(let notices, let outcome): .notices(notices, then: outcome.mappingResult(transform))
        case .notifying(let notifications, let outcome):
            .notifying(notifications, after: outcome.mappingResult(transform))
        case .delayed(let amount, let outcome): .delayed(amount, then: outcome.mappingResult(transform))
        case .closing(let outcome): .closing(after: outcome?.mappingResult(transform))
        default: self
        }
    }
}
