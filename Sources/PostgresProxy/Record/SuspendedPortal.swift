import PostgresWire

/// A portal whose Execute stopped at its row limit (PortalSuspended, asyncpg's cursor): what its Executes answered
/// so far, recorded as one statement with all the rows the client fetched when its last Execute completes it, or when
/// the portal is gone (the transaction ended).
struct SuspendedPortal {
    /// The statement as its first Execute answered it (its columns and parameters), with the notices so far.
    private(set) var statement: RecordedStatement
    /// The rows its Executes sent so far; none kept once ``answerBytes`` is over
    /// ``SessionRecorder/maximumStatementBytes`` (it is not recorded then).
    private(set) var rows: [[String?]] = []
    /// The size of its Executes' answers.
    private(set) var answerBytes = 0
    /// Why it cannot be recorded; `nil` while it can.
    private(set) var unrecordable: UnrecordableReason?
    /// Its place in the recording: its first Execute's (``ScriptRecording/reserve()``).
    let place: Int

    /// The portal of `statement`, as its first Execute answered it, recorded in `place`: its rows and notices are
    /// left to ``take(_:notices:answerBytes:unrecordable:)``, which adds that Execute's answer and the next ones'.
    init(statement: RecordedStatement, place: Int) {
        self.statement = statement
        self.statement.notices = []
        if case .result(let columns, _, let tag) = statement.outcome {
            self.statement.outcome = .result(columns: columns, rows: [], tag: tag)
        }
        self.place = place
    }

    /// Adds an Execute's answer: its `rows` and `notices`, its size, and why it cannot be recorded, if so.
    mutating func take(
        _ rows: [[String?]], notices: [DiagnosticMessage], answerBytes: Int, unrecordable: UnrecordableReason?
    ) {
        self.answerBytes += answerBytes
        self.unrecordable = self.unrecordable ?? unrecordable
        statement.notices += notices
        if self.answerBytes > SessionRecorder.maximumStatementBytes {
            // Left out when recorded: the rows of a cursor that goes on are not kept meanwhile.
            self.rows = []
        } else {
            self.rows += rows
        }
    }

    /// The statement with all the rows fetched and `tag`; a SELECT's tag counts all of them, as PostgreSQL's does
    /// for one Execute that runs the portal through (the last of several Executes counts only its own rows).
    func recorded(tag: String) -> RecordedStatement {
        var recorded = statement
        if case .result(let columns, _, _) = statement.outcome {
            let tag = tag.hasPrefix("SELECT ") ? "SELECT \(rows.count)" : tag
            recorded.outcome = .result(columns: columns, rows: rows, tag: tag)
        }
        return recorded
    }
}
