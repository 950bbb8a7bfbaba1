/// What a statement is, as far as the query engine answers it without a script.
enum StatementKind: Sendable {
    /// A SELECT (or VALUES) with its select list and whether it reads a catalog (`pg_catalog`, `information_schema`
    /// or a `pg_` relation), and whether it has a FROM clause at all; without one, `rowCondition` says whether its
    /// one row is returned (its WHERE, HAVING, LIMIT and OFFSET as one boolean expression; `nil`: always).
    case select(targets: [SelectTarget], readsCatalog: Bool, hasFrom: Bool, rowCondition: SQLExpression?)
    /// `SET [LOCAL] name …` (`value` is `nil` for `TO DEFAULT`, which resets it); `SET TIME ZONE`, `SET NAMES`,
    /// `SET SCHEMA` and `SET ROLE` arrive under their setting's name.
    case set(name: String, value: String?, isLocal: Bool)
    /// `SET SESSION CHARACTERISTICS AS TRANSACTION …` (the `default_transaction_…` settings it changes), or `SET name
    /// FROM CURRENT` (none).
    case setMany([(name: String, value: String)])
    /// `SET TRANSACTION …`: the `transaction_…` settings it changes for the transaction.
    case setTransaction([(name: String, value: String)])
    /// `SET CONSTRAINTS ALL|name, … DEFERRED|IMMEDIATE`: without tables no constraint changes (PostgreSQL warns
    /// outside a transaction block).
    case setConstraints
    /// `RESET name` (or `SET name FROM CURRENT`, which keeps it).
    case reset(name: String)
    /// `RESET ALL`.
    case resetAll
    /// `SHOW name` (`all` for SHOW ALL).
    case show(name: String)
    /// `DISCARD ALL|PLANS|SEQUENCES|TEMP`: DISCARD ALL also resets the settings.
    case discard(all: Bool)
    /// BEGIN, COMMIT, ROLLBACK, SAVEPOINT and friends.
    case transaction(TransactionCommand)
    /// `PREPARE name [(types)] AS …`, with the OIDs of the types it names (0 for a type the engine does not know).
    case prepare(name: String, parameterTypes: [UInt32])
    /// `EXECUTE name [(values)]` whose values are constants (`nil` for NULL), as text.
    case executePrepared(name: String, parameters: [String?])
    /// `DEALLOCATE name`, or `DEALLOCATE ALL` (`nil`).
    case deallocate(name: String?)
    /// `COPY … FROM STDIN`, with the number of columns it names (0 when it names none) and its data format.
    case copyFromStdin(columns: Int, format: CopyFormat)
    /// `COPY … TO STDOUT`, with the names of the columns it writes as far as its text tells them (its column list,
    /// else its query's select list), its data format and its `DELIMITER` (`nil`: the format's own).
    case copyToStdout(columns: [String], format: CopyFormat, delimiter: String?)
    /// `LISTEN channel`.
    case listen(channel: String)
    /// `UNLISTEN channel`, or `UNLISTEN *` (`nil`).
    case unlisten(channel: String?)
    /// `NOTIFY channel [, 'payload']`.
    case notify(channel: String, payload: String)
    /// `DECLARE name [BINARY] [NO SCROLL] CURSOR [WITH HOLD] FOR query`.
    case declareCursor(name: String, options: SessionCursors.Options)
    /// `FETCH` or `MOVE` (`isMove`) of `count` rows of cursor `name` in `direction` (``SessionCursors/all`` for ALL).
    case fetch(name: String, direction: CursorDirection, count: Int, isMove: Bool)
    /// `CLOSE name`, or `CLOSE ALL` (`nil`).
    case closeCursor(name: String?)
    /// asyncpg's type introspection (``TypeInfoLookup``), the OIDs in `$1`.
    case typeInfoLookup
    /// Nothing but comments.
    case empty
    /// Any other statement, with the command tag it completes with when it has no result.
    case other(tag: String)

    /// Whether the statement changes the session itself (transaction control, SET, SET CONSTRAINTS, RESET, DISCARD),
    /// which a mock server does as PostgreSQL does whatever answers it.
    var isSessionControl: Bool {
        switch self {
        case .transaction, .set, .setMany, .setTransaction, .setConstraints, .reset, .resetAll, .discard: true
        default: false
        }
    }

    /// A select-list entry: its output column name and expression.
    struct SelectTarget: Sendable, Hashable {
        /// The output name (`AS` or PostgreSQL's default).
        var name: String
        /// The expression.
        var expression: SQLExpression
    }

    /// The transaction statements.
    enum TransactionCommand: Sendable, Hashable {
        /// BEGIN or START TRANSACTION, with the `transaction_…` settings its modes give (`ISOLATION LEVEL …`, `READ
        /// ONLY`, `DEFERRABLE`).
        case begin(characteristics: [String: String])
        /// COMMIT or END, `AND CHAIN` or not.
        case commit(chain: Bool)
        /// ROLLBACK or ABORT, `AND CHAIN` or not.
        case rollback(chain: Bool)
        /// SAVEPOINT name.
        case savepoint(String)
        /// RELEASE [SAVEPOINT] name.
        case release(String)
        /// ROLLBACK TO [SAVEPOINT] name.
        case rollbackToSavepoint(String)
        /// PREPARE TRANSACTION, COMMIT PREPARED, ROLLBACK PREPARED.
        case prepareTransaction, commitPrepared, rollbackPrepared
    }
}
