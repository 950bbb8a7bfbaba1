/// Which way a FETCH or MOVE goes (libpg_query's `FetchDirection`).
public enum CursorDirection: Sendable, Hashable {
    /// FORWARD, NEXT, a count alone, ALL (a negative count goes back).
    case forward
    /// BACKWARD, PRIOR (a negative count goes forward).
    case backward
    /// ABSOLUTE, FIRST (ABSOLUTE 1), LAST (ABSOLUTE -1).
    case absolute
    /// RELATIVE.
    case relative
}
