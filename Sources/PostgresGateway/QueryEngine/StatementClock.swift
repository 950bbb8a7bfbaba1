/// The time of one statement, read from the clock the first time a clock function of the statement asks for it, so
/// that `now()`, `current_timestamp` and the others agree (as in PostgreSQL, where it is the transaction's start)
/// and statements without them do not read the clock.
final class StatementClock {
    /// The statement's time, as ``ConstantEvaluator/timestamp()`` writes it.
    lazy var now = ConstantEvaluator.timestamp()
}
