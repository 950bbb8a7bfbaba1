/// A statement `pgw serve` answers from the session's cursors (``ServerEmulationResponder/cursorCommand(_:)``):
/// only a DECLARE's query is asked of the script's rules, so a recording keeps that query and the rows the cursor
/// gave, not the cursor commands.
public enum CursorCommand: Sendable, Hashable {
    /// `DECLARE name … CURSOR [WITH HOLD] FOR query`: the query whose rows the cursor holds (`isHoldable`: it
    /// outlives its transaction).
    case declare(name: String, query: String, isHoldable: Bool)
    /// `FETCH` or `MOVE` (`isMove`) of `count` rows of cursor `name` in `direction` (``all`` for ALL; FIRST and LAST
    /// are ABSOLUTE 1 and -1, PRIOR is BACKWARD 1).
    case fetch(name: String, direction: CursorDirection, count: Int, isMove: Bool)
    /// `CLOSE name`, or `CLOSE ALL` (`nil`).
    case close(name: String?)

    /// The count of `FETCH ALL` and `BACKWARD ALL` (PostgreSQL's `FETCH_ALL`).
    public static let all = SessionCursors.all
}
