import PostgresWire

/// The cursors of a session (`DECLARE name CURSOR FOR query`), each holding its query's rows and its position, moved
/// by FETCH and MOVE as PostgreSQL moves a portal (`DoPortalRunFetch` and `PortalRunSelect` in `pquery.c`): before
/// the first row, on a row, or after the last, with the same counts and errors. Pure: no I/O.
struct SessionCursors: Sendable {
    /// How a cursor was declared (`DECLARE name [BINARY] [NO SCROLL | SCROLL] CURSOR [WITH HOLD]`), the bits of
    /// PostgreSQL's `CURSOR_OPT_*` as libpg_query's DeclareCursorStmt gives them.
    struct Options: Sendable, Hashable {
        /// The bits.
        var rawValue: Int

        /// `BINARY`: FETCH sends the rows in binary in the simple query protocol.
        var isBinary: Bool { rawValue & 0x1 != 0 }
        /// `NO SCROLL`: FETCH and MOVE may not go backward (55000).
        var isNoScroll: Bool { rawValue & 0x4 != 0 }
        /// `WITH HOLD`: the cursor outlives its transaction.
        var isHoldable: Bool { rawValue & 0x20 != 0 }
    }

    /// One cursor: its rows and where it stands.
    private struct Cursor: Sendable {
        var columns: [ResultColumn]
        var rows: [[String?]]
        var options: Options
        /// The rows passed so far: 0 before the first row, `n` on row `n`, the row count after the last
        /// (PostgreSQL's `portalPos`).
        var position = 0
        /// Before the first row (nothing fetched yet, or moved back past the start).
        var atStart = true
        /// After the last row.
        var atEnd = false

        /// `DoPortalRunFetch`: the rows processed, and those fetched (none for MOVE).
        mutating func run(_ direction: CursorDirection, _ count: Int, isMove: Bool) throws(QuerySessionError) -> (
            processed: Int, rows: [[String?]]
        ) {
            func negated(_ count: Int) -> Int { count == .min ? SessionCursors.all : -count }
            var forward: Bool
            var count = count
            switch direction {
            case .forward, .backward:
                forward = (direction == .forward) == (count >= 0)
                if count < 0 { count = negated(count) }
            case .absolute:
                if count > 0 {
                    // Rewind, pass count - 1 rows and return the next; or, nearer, from where the cursor stands.
                    if count - 1 <= position / 2 {
                        try rewind()
                        if count > 1 { _ = try select(forward: true, count - 1) }
                    } else {
                        let standing = position + (atEnd ? 1 : 0)
                        if count <= standing {
                            _ = try select(forward: false, standing - count + 1)
                        } else if count > standing + 1 {
                            _ = try select(forward: true, count - standing - 1)
                        }
                    }
                    return try select(forward: true, 1)
                } else if count < 0 {
                    // To the end, back abs(count) - 1 rows, return the one before.
                    _ = try select(forward: true, SessionCursors.all)
                    if count < -1 { _ = try select(forward: false, negated(count) - 1) }
                    return try select(forward: false, 1)
                }
                try rewind()
                return try select(forward: true, 0)
            case .relative:
                if count > 0 {
                    if count > 1 { _ = try select(forward: true, count - 1) }
                    return try select(forward: true, 1)
                } else if count < 0 {
                    if count < -1 { _ = try select(forward: false, negated(count) - 1) }
                    return try select(forward: false, 1)
                }
                forward = true
            }
            if count == 0 {
                // The current row again, if the cursor is on one (MOVE 0 counts it).
                let onRow = !atStart && !atEnd
                if isMove { return (onRow ? 1 : 0, []) }
                if onRow {
                    _ = try select(forward: false, 1)
                    count = 1
                    forward = true
                }
            }
            if !forward && count == SessionCursors.all && isMove {
                // MOVE BACKWARD ALL rewinds, counting the rows passed.
                let passed = position > 0 && !atEnd ? position - 1 : position
                try rewind()
                return (passed, [])
            }
            return try select(forward: forward, count)
        }

        /// `DoPortalRewind`: back before the first row (55000 for a NO SCROLL cursor that moved).
        private mutating func rewind() throws(QuerySessionError) {
            if atStart && !atEnd { return }
            if options.isNoScroll { throw .reported(SessionCursors.forwardOnly) }
            (position, atStart, atEnd) = (0, true, false)
        }

        /// `PortalRunSelect`: at most `count` rows (``SessionCursors/all``: the rest) in one direction (backward in
        /// reverse order, as PostgreSQL returns them), and how many.
        private mutating func select(forward: Bool, _ count: Int) throws(QuerySessionError) -> (
            processed: Int, rows: [[String?]]
        ) {
            if forward {
                guard !atEnd && count > 0 else { return (0, []) }
                let processed = min(count, rows.count - position)
                let fetched = Array(rows[position..<(position + processed)])
                if processed > 0 { atStart = false }
                if count == SessionCursors.all || processed < count { atEnd = true }
                position += processed
                return (processed, fetched)
            }
            if options.isNoScroll { throw .reported(SessionCursors.forwardOnly) }
            guard !atStart && count > 0 else { return (0, []) }
            // The rows before the current one: from the last when past the end.
            let first = atEnd ? position : position - 1
            let processed = min(count, first)
            let fetched = Array(rows[(first - processed)..<first].reversed())
            if processed > 0 && atEnd {
                atEnd = false
                position += 1
            }
            if count == SessionCursors.all || processed < count {
                (atStart, position) = (true, 0)
            } else {
                position -= processed
            }
            return (processed, fetched)
        }
    }

    /// PostgreSQL's `FETCH_ALL` (`LONG_MAX`): `FETCH ALL`, `BACKWARD ALL`.
    static let all = Int.max

    private var cursors: [String: Cursor] = [:]
    /// The cursors declared in the current transaction, which its rollback closes even `WITH HOLD`.
    private var declaredInTransaction: Set<String> = []

    /// Whether a cursor named `name` is open.
    func contains(_ name: String) -> Bool {
        cursors[name] != nil
    }

    /// The columns of cursor `name`'s rows; `nil` when it is not open.
    func columns(of name: String) -> [ResultColumn]? {
        cursors[name]?.columns
    }

    /// Whether cursor `name` sends its rows in binary (`DECLARE … BINARY CURSOR`).
    func isBinary(_ name: String) -> Bool {
        cursors[name]?.options.isBinary ?? false
    }

    /// Opens cursor `name` on the rows of its query's result (`columns`, `rows`); PostgreSQL's 42P03 when one of
    /// that name is open.
    mutating func declare(_ name: String, options: Options, columns: [ResultColumn], rows: [[String?]])
        -> QueryOutcome
    {
        guard cursors[name] == nil else {
            return .error(
                DiagnosticMessage(severity: "ERROR", sqlState: "42P03", message: "cursor \"\(name)\" already exists"))
        }
        cursors[name] = Cursor(columns: columns, rows: rows, options: options)
        declaredInTransaction.insert(name)
        return .command(tag: "DECLARE CURSOR")
    }

    /// `FETCH` (the rows, tag `FETCH n`) or `MOVE` (tag `MOVE n`) of `count` rows in `direction`, as PostgreSQL
    /// counts them (a negative count turns FORWARD into BACKWARD, 0 means the current row); 34000 for a cursor that
    /// is not open, 55000 for a NO SCROLL cursor asked to go back.
    mutating func fetch(_ name: String, direction: CursorDirection, count: Int, isMove: Bool) -> QueryOutcome {
        guard var cursor = cursors[name] else { return Self.missing(name) }
        let (processed, rows): (Int, [[String?]])
        do {
            (processed, rows) = try cursor.run(direction, count, isMove: isMove)
        } catch {
            return .error(error.diagnostic)
        }
        cursors[name] = cursor
        if isMove { return .command(tag: "MOVE \(processed)") }
        return .result(columns: cursor.columns, rows: rows, tag: "FETCH \(processed)")
    }

    /// `CLOSE name`, or `CLOSE ALL` (`nil`); 34000 for a cursor that is not open.
    mutating func close(_ name: String?) -> QueryOutcome {
        guard let name else {
            cursors.removeAll()
            return .command(tag: "CLOSE CURSOR ALL")
        }
        guard cursors.removeValue(forKey: name) != nil else { return Self.missing(name) }
        return .command(tag: "CLOSE CURSOR")
    }

    /// The transaction ended: its cursors close, those declared `WITH HOLD` stay.
    mutating func endTransaction() {
        declaredInTransaction.removeAll()
        guard !cursors.isEmpty else { return }
        cursors = cursors.filter { $0.value.options.isHoldable }
    }

    /// The transaction is rolled back: the cursors it declared close, also those `WITH HOLD` (call before
    /// ``endTransaction()``).
    mutating func rollBack() {
        for name in declaredInTransaction { cursors[name] = nil }
        declaredInTransaction.removeAll()
    }

    /// PostgreSQL's 34000 for cursor `name`.
    static func missing(_ name: String) -> QueryOutcome {
        .error(DiagnosticMessage(severity: "ERROR", sqlState: "34000", message: "cursor \"\(name)\" does not exist"))
    }

    /// PostgreSQL's error for a NO SCROLL cursor moved backward.
    fileprivate static let forwardOnly = DiagnosticMessage(
        severity: "ERROR", sqlState: "55000", message: "cursor can only scan forward",
        hint: "Declare it with SCROLL option to enable backward scan.")
}
