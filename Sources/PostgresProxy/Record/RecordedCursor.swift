import PostgresGateway

/// A server-side cursor a recorded session declared (`DECLARE name CURSOR FOR query`), followed through the answers
/// the server gave its FETCH and MOVE commands, so that it is recorded as `pgw serve` replays it: one rule for its
/// query, whose rows are those the cursor passed, each at the position the server gave it (a row that a MOVE
/// passed and no FETCH returned is all NULL), and no rules for the cursor commands, which serve answers from its
/// session's cursors. Rows the client never reached are not in the rule: the replay's cursor ends where the
/// recorded one stopped, and a FETCH past it returns what there is, as PostgreSQL does at the end of a cursor.
struct RecordedCursor {
    /// The cursor's query: its text, bound values and their types, and the DECLARE's notices (its outcome is made
    /// by ``recorded``).
    private let query: RecordedStatement
    /// The place reserved in the recording at the DECLARE, which the rule takes (the replay's DECLARE asks for it
    /// there).
    let place: Int
    /// Whether the cursor outlives its transaction (`WITH HOLD`).
    let isHoldable: Bool
    /// The columns of its rows (a FETCH's RowDescription, or a Describe of the cursor's portal); `nil` until seen.
    private var columns: [(name: String, type: String)]?
    /// The rows by position (the first row at index 0), `nil` for a row passed but never fetched.
    private var rows: [[String?]?] = []
    /// The rows passed, as PostgreSQL counts a portal's position: 0 before the first row, `n` on row `n`, the row
    /// count after the last.
    private var position = 0
    /// After the last row.
    private var atEnd = false
    /// The number of rows the query has, once the cursor reached its end.
    private var rowCount: Int?
    /// The bytes of the rows fetched so far.
    private var bytes = 0
    /// Why the cursor cannot be recorded; `nil` while it can.
    private(set) var unrecordable: UnrecordableReason?

    /// A cursor declared for `query` (the DECLARE's query, values and notices), its rule to go in `place`.
    init(query: RecordedStatement, place: Int, isHoldable: Bool) {
        self.query = query
        self.place = place
        self.isHoldable = isHoldable
    }

    /// The rule for the cursor's query; `nil` when it cannot be recorded (``unrecordable`` says why).
    var recorded: RecordedStatement? {
        if unrecordable != nil { return nil }
        let count = rowCount ?? rows.count
        let columns = columns ?? []
        let empty = [String?](repeating: nil, count: columns.count)
        let rows = (0..<count).map { index in index < self.rows.count ? self.rows[index] ?? empty : empty }
        var statement = query
        statement.outcome = .result(columns: columns, rows: rows, tag: "SELECT \(count)")
        return statement
    }

    /// Takes the columns a Describe of the cursor's portal announced.
    mutating func described(_ described: [(name: String, type: String)]) {
        if columns == nil { columns = described }
    }

    /// Takes the server's answer to a FETCH or MOVE (`isMove`) of `count` rows in `direction`: `outcome` (a FETCH's
    /// rows and columns, or the `MOVE n` tag), whose answer was `bytes` long, or why it cannot be recorded. An error
    /// leaves the cursor as it was.
    mutating func moved(
        _ direction: CursorDirection, _ count: Int, isMove: Bool, outcome: RecordedStatement.Outcome, bytes: Int,
        unrecordable reason: UnrecordableReason?
    ) {
        guard unrecordable == nil else { return }
        if let reason {
            unrecordable = reason
            return
        }
        self.bytes += bytes
        if self.bytes > SessionRecorder.maximumStatementBytes { unrecordable = .largeAnswer }
        var fetched: [[String?]] = []
        let processed: Int
        switch outcome {
        case .result(let resultColumns, let rows, _):
            if columns == nil { columns = resultColumns }
            fetched = rows
            processed = rows.count
        case .command(let tag):
            guard isMove, let moved = tag.split(separator: " ").last.flatMap({ Int($0) }) else { return }
            processed = moved
        default:
            return
        }
        switch direction {
        case .forward, .backward:
            // A negative count turns the direction round (`FETCH -2` goes back), as in PostgreSQL.
            let magnitude = count >= 0 ? count : count == .min ? CursorCommand.all : -count
            if count == 0 || (direction == .forward) == (count >= 0) {
                forward(magnitude, processed: processed, fetched)
            } else {
                backward(magnitude, processed, fetched)
            }
        case .absolute, .relative:
            jumped(direction, count, processed: processed, fetched)
        }
    }

    /// FETCH or MOVE FORWARD `count` rows: those `processed` follow the position (FETCH 0: the current row again).
    private mutating func forward(_ count: Int, processed: Int, _ fetched: [[String?]]) {
        guard count > 0 else {
            if let row = fetched.first, position > 0 { store(row, at: position) }
            return
        }
        guard !atEnd else { return }
        for (offset, row) in fetched.enumerated() { store(row, at: position + 1 + offset) }
        position += processed
        pass(position)
        if count == CursorCommand.all || processed < count {
            atEnd = true
            rowCount = position
        }
    }

    /// FETCH or MOVE BACKWARD `count` rows: those `processed` precede the position (from the last row when past the
    /// end), in reverse order.
    private mutating func backward(_ count: Int, _ processed: Int, _ fetched: [[String?]]) {
        guard processed > 0 else {
            // Moved back before the first row (or stood there already).
            (position, atEnd) = (0, false)
            return
        }
        let first = atEnd ? position : position - 1
        for (offset, row) in fetched.enumerated() { store(row, at: first - offset) }
        if atEnd {
            atEnd = false
            position += 1
        }
        position = count == CursorCommand.all || processed < count ? 0 : position - processed
    }

    /// FETCH or MOVE ABSOLUTE or RELATIVE `count`: on a row when one was `processed`, else before the first or
    /// after the last; a position the answer does not tell (past an end the cursor never reached) makes the
    /// cursor unrecordable.
    private mutating func jumped(
        _ direction: CursorDirection, _ count: Int, processed: Int, _ fetched: [[String?]]
    ) {
        let isAbsolute = direction == .absolute
        if count == 0 {
            // ABSOLUTE 0 rewinds; RELATIVE 0 is the current row again.
            if isAbsolute { (position, atEnd) = (0, false) }
            return
        }
        if processed == 0 {
            guard count > 0 else {
                (position, atEnd) = (0, false)
                return
            }
            guard let rowCount else {
                unrecordable = .cursorPastUnknownEnd
                return
            }
            (position, atEnd) = (rowCount, true)
            return
        }
        let target: Int
        if isAbsolute && count > 0 {
            target = count
        } else if isAbsolute {
            guard let rowCount else {
                unrecordable = .cursorPastUnknownEnd
                return
            }
            target = rowCount + count + 1
        } else {
            target = atEnd ? position + count + 1 : position + count
        }
        (position, atEnd) = (target, false)
        pass(target)
        if let row = fetched.first { store(row, at: target) }
    }

    /// Notes that the cursor passed the rows up to `position` (1-based).
    private mutating func pass(_ position: Int) {
        if rows.count < position { rows += Array(repeating: nil, count: position - rows.count) }
    }

    /// Keeps `row` as the row at `position` (1-based).
    private mutating func store(_ row: [String?], at position: Int) {
        guard position > 0 else { return }
        pass(position)
        rows[position - 1] = row
    }
}
