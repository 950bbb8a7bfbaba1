import NIOCore
import PostgresGateway
import PostgresWire

/// Follows one relayed connection's messages, pairs each statement the client runs (a simple Query's statements,
/// an extended-protocol Execute) with the server's answer, and adds it to a ``ScriptRecording``.
///
/// It keeps the replies the client is waiting for in order, as the server answers them: one per Parse, Bind,
/// Close and Describe, a result per statement, ReadyForQuery per Query and Sync; after an error in the extended
/// protocol the server skips to the Sync, and so does the recorder. A `COPY … FROM STDIN` that succeeded (text, CSV
/// or binary) is recorded by its statement alone; transaction control, SET, RESET and DISCARD are left out (serve does them itself, with
/// their effect on the session), and so are statements refused in a failed transaction (25P02, serve's own answer); a
/// server-side cursor becomes one rule for its query, with the rows its FETCHes returned (``RecordedCursor``). Binary parameters and results are recorded as PostgreSQL's text output of their types
/// (which the replaying server sends in binary again), and the parameter types the server described go with them (a
/// rule's `param_types`, for clients such as asyncpg that leave them to the server). A portal's Executes with a row
/// limit (PortalSuspended, then Execute again) are one rule of all the rows the client fetched. A NotificationResponse
/// the session's own NOTIFY sent it (on a channel it listens to) is left out: serve delivers that itself. Statements a
/// script cannot express (binary values of types without a known text form, a failed COPY FROM STDIN, a portal that
/// failed after its row limit, FunctionCall…) are counted as skipped, by ``UnrecordableReason``. At most
/// ``maximumStatementBytes`` of one statement's answer are kept.
struct SessionRecorder {
    /// A statement's answer larger than this is not recorded (memory stays bounded).
    static let maximumStatementBytes = 16 << 20

    /// A bound portal: what an Execute of it runs.
    private struct Portal {
        /// The prepared statement it was bound from.
        var statementName: String
        /// That statement's text (empty when unknown).
        var text: String
        /// The Bind that made it (its values are read as text when the statement's types are known, at its answer:
        /// a server's ParameterDescription may come after the Bind was sent); `nil` when unknown.
        var bind: Bind?
        /// Which Bind of the connection made it (a portal's Executes after a row limit are told by it).
        var binding: Int
        /// Which Parse of the connection made its statement (0 when unknown).
        var parsing = 0
        /// When the client sent the Execute that runs it (for an Execute's reply).
        var executed: NIODeadline? = nil
    }

    /// A reply the client is waiting for, in the order the server sends them.
    private enum Reply {
        /// A simple Query (or FunctionCall): its statements not yet answered (their indices count from the Query's
        /// first), then ReadyForQuery.
        case query(ArraySlice<String>)
        /// An Execute's result.
        case execute(Portal, portalName: String)
        /// A Describe of the named portal: RowDescription or NoData.
        case describePortal(String)
        /// A Describe of the named statement (its text, and which Parse of the connection made it): ParameterDescription,
        /// then RowDescription or NoData.
        case describeStatement(String, text: String, parsing: Int)
        /// ParseComplete, BindComplete, CloseComplete.
        case completion
        /// The CloseComplete of a Close of the named portal (a cursor's, when one of that name is open: closed then).
        case closePortal(String)
        /// A Sync's ReadyForQuery.
        case sync
    }

    private let recording: ScriptRecording
    private var replies: [Reply] = []
    private var statements: [String: String] = [:]
    private var portals: [String: Portal] = [:]
    private var statementColumns: [String: [RowDescription.Column]] = [:]
    /// The parameter types of the prepared statements, by statement name: as the client's Parse gave them, or as the
    /// server described them (ParameterDescription).
    private var statementParameterTypes: [String: [UInt32]] = [:]
    /// How many Binds the connection made.
    private var bindings = 0
    /// How many Parses the connection made, and which made each prepared statement, by name.
    private var parsings = 0
    private var statementParsings: [String: Int] = [:]
    /// The Parses whose statements an Execute ran since the last ReadyForQuery with nothing else pending (an Execute
    /// the client sent before its statement's Describe was answered).
    private var executedParsings: Set<Int> = []
    /// Statements described (Describe of the statement) and not executed so far, by the Parse that made them: at the
    /// session's end, those never executed become rules of their columns alone, for the replay's Describe (asyncpg
    /// describes a table's columns for `copy_records_to_table` without running the statement).
    private var describedOnly: [(parsing: Int, statement: RecordedStatement)] = []
    /// At most this many described-only statements are kept.
    private static let describedOnlyLimit = 1_000
    /// The portals that stopped at a row limit (PortalSuspended), by the Bind that made them: the next Execute of
    /// one adds its rows; its CommandComplete, or the transaction's end (the portal is gone), records it.
    private var suspendedPortals: [Int: SuspendedPortal] = [:]
    private var portalColumns: [String: [RowDescription.Column]] = [:]
    /// The cursors the session declared and has not closed, by name: each becomes a rule for its query when it
    /// closes (CLOSE, its transaction's end, the session's end).
    private var cursors: [String: RecordedCursor] = [:]
    // The answer being collected.
    private var columns: [RowDescription.Column]?
    private var rows: [[String?]] = []
    private var copyOut: [UInt8]?
    /// Whether the server asked for the client's COPY data (`COPY … FROM STDIN`).
    private var copyIn = false
    private var notices: [DiagnosticMessage] = []
    private var answerBytes = 0
    /// Why the answer being collected cannot be recorded; `nil` while it can.
    private var unrecordable: UnrecordableReason?
    /// The last finished statement, held back for the NotificationResponses that follow it, and its place in the
    /// recording.
    private var held: (statement: RecordedStatement, place: Int)?
    /// When the client sent its last Query.
    private var querySent: NIODeadline?
    /// The login's user and database (from the StartupMessage; `nil` when it was not seen), and the settings the
    /// client gave in it (lowercased names: its parameters and `options` switches), whose reported values are the
    /// client's, not the server's.
    private var login: (user: String?, database: String?, clientSettings: Set<String>) = (nil, nil, [])
    /// The ParameterStatus values of the login, until its first ReadyForQuery (`nil` after it).
    private var loginParameters: [(name: String, value: String)]? = []
    /// When the server last finished answering something (a notice, a notification, a ParameterStatus, and the
    /// rows, COPY data or simple Query's RowDescription of a statement still running aside): a statement the client
    /// sent earlier started then at the latest, as the server runs one statement at a time.
    private var serverAnswered: NIODeadline?
    /// The session's backend process ID (BackendKeyData), which its own notifications carry.
    private var processID: Int32?
    /// The notifications (channel, payload) of the session's NOTIFY statements not yet delivered: PostgreSQL sends
    /// the session one on a channel it listens to when the transaction commits, and so does serve itself on the
    /// replay, so it is not recorded as a rule's `notify`. Emptied when the session is out of a transaction.
    private var ownNotifications: [(channel: String, payload: String)] = []
    /// At most this many of the session's NOTIFYs in one transaction are followed.
    private static let ownNotificationLimit = 1_000

    /// A recorder adding to `recording`.
    init(recording: ScriptRecording) {
        self.recording = recording
    }

    /// Takes one message the client sent, at `time`.
    mutating func observe(_ message: FrontendMessage, at time: NIODeadline = .now()) {
        switch message {
        case .startup(let startup):
            var values: [String: String] = [:]
            for parameter in startup.parameters { values[parameter.name] = parameter.value }
            let names =
                startup.parameters.map(\.name) + StartupOptions.settings(in: values["options"] ?? "").map(\.name)
            login = (
                values["user"], values["database"] ?? values["user"],
                Set(names.map { $0.lowercased() }).subtracting(["user", "database", "options", "replication"])
            )
        case .query(let query):
            querySent = time
            replies.append(.query(QuerySession.splitStatements(query.text)[...]))
        case .functionCall:
            recording.skip(.functionCall)
            replies.append(.query([]))
        case .parse(let parse):
            parsings += 1
            statementParsings[parse.name] = parsings
            statements[parse.name] = parse.query
            // The types the client gave (a Describe replaces them with the server's).
            statementParameterTypes[parse.name] = parse.parameterTypes.contains { $0 != 0 } ? parse.parameterTypes : nil
            replies.append(.completion)
        case .bind(let bind):
            bindings += 1
            portals[bind.portal] = Portal(
                statementName: bind.statement, text: statements[bind.statement] ?? "", bind: bind, binding: bindings,
                parsing: statementParsings[bind.statement] ?? 0)
            portalColumns[bind.portal] = nil
            replies.append(.completion)
        case .describe(let target):
            replies.append(
                target.kind == .portal
                    ? .describePortal(target.name)
                    : .describeStatement(
                        target.name, text: statements[target.name] ?? "", parsing: statementParsings[target.name] ?? 0))
        case .execute(let execute):
            // An unknown portal (its Bind was too large to decode) still gets its answer, which is then skipped.
            var portal =
                portals[execute.portal]
                ?? Portal(statementName: "", text: "", bind: nil, binding: 0)
            portal.executed = time
            executedParsings.insert(portal.parsing)
            describedOnly.removeAll { $0.parsing == portal.parsing }
            replies.append(.execute(portal, portalName: execute.portal))
        case .close(let target): replies.append(target.kind == .portal ? .closePortal(target.name) : .completion)
        case .sync: replies.append(.sync)
        default: break
        }
    }

    /// Takes one message the server sent, at `time`.
    mutating func observe(_ message: BackendMessage, at time: NIODeadline = .now()) {
        let answersDescribe =
            switch replies.first {
            case .describePortal, .describeStatement: true
            default: false
            }
        defer {
            switch message {
            case .noticeResponse, .notificationResponse, .parameterStatus: break
            // A running statement's answer: PostgreSQL sends a simple Query's RowDescription when the statement
            // starts, in the same packet as the error that cancels it.
            case .dataRow, .copyOutResponse, .copyData, .copyDone, .copyInResponse, .copyBothResponse: break
            case .rowDescription, .noData: if answersDescribe { serverAnswered = time }
            default: serverAnswered = time
            }
        }
        switch message {
        case .backendKeyData(let key): processID = key.processID
        case .parameterStatus(let status):
            // A change a statement made (SET) is the session's: the login's values are the server's.
            if loginParameters != nil, !login.clientSettings.contains(status.name.lowercased()) {
                loginParameters!.append((status.name, status.value))
            }
        case .parseComplete, .bindComplete, .closeComplete:
            switch replies.first {
            case .completion: replies.removeFirst()
            case .closePortal(let name):
                replies.removeFirst()
                closeCursor(name)
            default: break
            }
        case .parameterDescription(let description):
            if case .describeStatement(let name, _, _) = replies.first {
                statementParameterTypes[name] = description.parameterTypes
            }
        case .rowDescription(let description): described(description.columns)
        case .noData: described(nil)
        case .dataRow(let row):
            rows.append(textRow(row))
            answerBytes += row.reduce(0) { $0 + ($1?.readableBytes ?? 0) }
        case .copyOutResponse(let response):
            copyOut = []
            if response.format != 0 { unrecordable = unrecordable ?? .binaryCopyOut }
        case .copyData(let data):
            if copyOut != nil {
                copyOut!.append(contentsOf: data.data.readableBytesView)
                answerBytes += data.data.readableBytes
            }
        case .copyInResponse:
            // Text or binary: serve takes the data again in the statement's format and counts its rows.
            copyIn = true
        case .copyBothResponse: unrecordable = unrecordable ?? .copyBoth
        case .portalSuspended: suspend()
        case .noticeResponse(let notice): notices.append(notice)
        case .notificationResponse(let notification):
            if notification.processID == processID,
                let own = ownNotifications.firstIndex(where: {
                    $0 == (notification.channel, notification.payload)
                })
            {
                ownNotifications.remove(at: own)
            } else {
                held?.statement.notifications.append(notification)
            }
        case .commandComplete(let complete): finish(tag: complete.tag)
        case .emptyQueryResponse: finishWithoutStatement()
        case .errorResponse(let error): failed(error, at: time)
        case .readyForQuery(let status):
            if let parameters = loginParameters {
                recording.login(user: login.user, database: login.database, parameters: parameters)
                loginParameters = nil
            }
            while let reply = replies.first {
                replies.removeFirst()
                if case .sync = reply { break }
                if case .query = reply { break }
            }
            if status == .idle {
                // Outside a transaction no portal is left: those a row limit suspended are recorded as far as the
                // client fetched them; only the cursors declared WITH HOLD stay open; a NOTIFY not delivered by now
                // was rolled back.
                recordSuspendedPortals()
                for (name, cursor) in cursors where !cursor.isHoldable { closeCursor(name) }
                ownNotifications.removeAll()
            }
            // No Describe is pending that an Execute sent before its answer could concern.
            if replies.isEmpty { executedParsings.removeAll() }
            resetAnswer()
        default: break
        }
    }

    /// Takes a message the tap relayed without decoding it (over its size limit), by its type byte: the replies it
    /// asks for are still expected, and what it belonged to is not recorded.
    mutating func observeUndecoded(typeByte: UInt8, fromClient: Bool) {
        guard fromClient else {
            // A huge DataRow or CopyData: the answer being collected is incomplete.
            unrecordable = unrecordable ?? .undecodedMessage
            return
        }
        switch typeByte {
        case UInt8(ascii: "Q"), UInt8(ascii: "F"):
            recording.skip(.undecodedMessage)
            replies.append(.query([]))
        case UInt8(ascii: "P"), UInt8(ascii: "B"):
            // Which statement or portal it named is unknown: forget them all, so none is recorded wrongly.
            if typeByte == UInt8(ascii: "P") {
                statements.removeAll()
                statementParameterTypes.removeAll()
            } else {
                portals.removeAll()
            }
            replies.append(.completion)
        default: break
        }
    }

    /// Hands the last statement to the recording (the connection is over).
    mutating func finishSession() {
        recordSuspendedPortals()
        if let held { recording.add(held.statement, at: held.place) }
        held = nil
        for name in cursors.keys { closeCursor(name) }
        for (_, statement) in describedOnly { recording.add(statement) }
        describedOnly = []
    }

    private mutating func described(_ described: [RowDescription.Column]?) {
        switch replies.first {
        case .describeStatement(let name, let text, let parsing):
            statementColumns[name] = described
            replies.removeFirst()
            if let described, !text.isEmpty, !executedParsings.contains(parsing),
                describedOnly.count < Self.describedOnlyLimit,
                !ServerEmulationResponder.isSessionControl(text)
            {
                describedOnly.append(
                    (
                        parsing,
                        RecordedStatement(
                            statement: text, parameters: nil, parameterTypes: statementParameterTypes[name],
                            outcome: .result(columns: Self.recordedColumns(described), rows: [], tag: "SELECT 0"))
                    ))
            }
        case .describePortal(let name):
            portalColumns[name] = described
            replies.removeFirst()
            // psycopg describes its named cursor's portal after the DECLARE.
            if let described { cursors[name]?.described(Self.recordedColumns(described)) }
        default:
            columns = described
        }
    }

    private mutating func finish(tag: String) {
        guard var statement = answeredStatement(tag: tag) else { return }
        if tag == "NOTIFY", ownNotifications.count < Self.ownNotificationLimit,
            let notification = ServerEmulationResponder.notification(of: statement.statement)
        {
            ownNotifications.append(notification)
        }
        var place: Int?
        if case .execute(let portal, _) = replies.first,
            var suspended = suspendedPortals.removeValue(forKey: portal.binding)
        {
            // The last Execute of a portal a row limit suspended: one rule of all the rows, with this tag.
            suspended.take(rows, notices: notices, answerBytes: answerBytes, unrecordable: unrecordable)
            statement = suspended.recorded(tag: tag)
            (answerBytes, unrecordable, place) = (suspended.answerBytes, suspended.unrecordable, suspended.place)
        }
        keep(statement, at: place)
        advance()
    }

    /// A PortalSuspended: the Execute's rows are added to those its portal sent before, to be recorded with the
    /// rest the client fetches (``finish(tag:)``, ``recordSuspendedPortals()``).
    private mutating func suspend() {
        guard case .execute(let portal, _) = replies.first else { return }
        if suspendedPortals[portal.binding] == nil, let statement = answeredStatement(tag: "") {
            suspendedPortals[portal.binding] = SuspendedPortal(statement: statement, place: recording.reserve())
        }
        suspendedPortals[portal.binding]?.take(
            rows, notices: notices, answerBytes: answerBytes, unrecordable: unrecordable)
        advance()
    }

    /// Records the portals a row limit suspended with the rows the client fetched (their portals are gone).
    private mutating func recordSuspendedPortals() {
        for (_, suspended) in suspendedPortals.sorted(by: { $0.key < $1.key }) {
            let statement = suspended.recorded(tag: "SELECT \(suspended.rows.count)")
            if recordable(statement, unrecordable: suspended.unrecordable, answerBytes: suspended.answerBytes) {
                recording.add(statement, at: suspended.place)
            }
        }
        suspendedPortals.removeAll()
    }

    /// The statement the head reply answers, with the answer collected and `tag`.
    private func answeredStatement(tag: String) -> RecordedStatement? {
        guard let (statement, parameters, parameterTypes, knownColumns) = currentStatement() else { return nil }
        let resultColumns = columns ?? knownColumns
        let outcome: RecordedStatement.Outcome =
            if let copyOut {
                .copyOut(String(decoding: copyOut, as: UTF8.self))
            } else if copyIn {
                .copyIn
            } else if let resultColumns {
                .result(columns: Self.recordedColumns(resultColumns), rows: rows, tag: tag)
            } else {
                .command(tag: tag)
            }
        return RecordedStatement(
            statement: statement, parameters: parameters, parameterTypes: parameterTypes, outcome: outcome,
            notices: notices)
    }

    private mutating func failed(_ error: DiagnosticMessage, at time: NIODeadline) {
        guard let head = replies.first else { return }
        let delay = cancellationDelay(of: error, at: time)
        // The server failed the COPY after taking data a script rule cannot hold: an error rule would refuse the
        // COPY before the client sends it.
        if copyIn { unrecordable = unrecordable ?? .failedCopyIn }
        switch head {
        case .query(let remaining):
            if let statement = remaining.first {
                var error = error
                if remaining.startIndex > 0, error.sqlState == "42601" {
                    // Its position counts from the start of the Query, and serve adds the statements before it to
                    // a syntax error's position itself.
                    error.fields.removeAll { $0.code == .position }
                }
                keep(
                    RecordedStatement(
                        statement: statement, parameters: nil, outcome: .error(error), notices: notices, delay: delay))
            }
            // The rest of the Query's statements are not run.
            replies[0] = .query([])
        case .execute(let portal, _):
            if suspendedPortals.removeValue(forKey: portal.binding) != nil {
                // A script rule cannot answer rows and then an error.
                unrecordable = unrecordable ?? .failedSuspendedPortal
            }
            if let (text, parameters, parameterTypes, _) = currentStatement() {
                keep(
                    RecordedStatement(
                        statement: text, parameters: parameters, parameterTypes: parameterTypes, outcome: .error(error),
                        notices: notices, delay: delay))
            }
            fallthrough
        default:
            // The server skips everything up to the next Sync.
            while let reply = replies.first {
                if case .sync = reply { break }
                if case .query = reply { break }
                replies.removeFirst()
            }
        }
        resetAnswer()
    }

    /// How long a replay should wait before answering the statement the server cancelled with `error` at `time`
    /// (57014: the client's CancelRequest, such as asyncpg's `timeout=` or psycopg's `cancel()`, or
    /// statement_timeout): the time it ran, from when it was sent or, if later, when the server answered what came
    /// before it, plus ``cancellationMargin``, so that the client's own timer fires (or serve's statement_timeout
    /// ends the wait) first again; `nil` for another error.
    private func cancellationDelay(of error: DiagnosticMessage, at time: NIODeadline) -> TimeAmount? {
        guard error.sqlState == "57014", !copyIn else { return nil }
        var sent: NIODeadline?
        switch replies.first {
        case .query: sent = querySent
        case .execute(let portal, _): sent = portal.executed
        default: return nil
        }
        guard let sent else { return nil }
        let started = max(sent, serverAnswered ?? sent)
        let ran = max(time - started, .zero)
        // Whole milliseconds, rounded up.
        let milliseconds = (ran.nanoseconds + 999_999) / 1_000_000
        return .milliseconds(milliseconds) + Self.cancellationMargin
    }

    /// Added to the time a cancelled statement ran (``cancellationDelay(of:at:)``): a replaying client's
    /// CancelRequest comes on a connection of its own, after its timer fired, and must end the wait before it is up.
    static let cancellationMargin = TimeAmount.seconds(1)

    private mutating func finishWithoutStatement() {
        if case .execute = replies.first { replies.removeFirst() }
        resetAnswer()
    }

    /// The statement the head reply answers: its text, parameters and their types, and the columns a Describe
    /// announced.
    private func currentStatement() -> (
        text: String, parameters: [String?]?, parameterTypes: [UInt32]?, columns: [RowDescription.Column]?
    )? {
        switch replies.first {
        case .query(let remaining):
            guard let statement = remaining.first else { return nil }
            return (statement, nil, nil, nil)
        case .execute(let portal, let portalName):
            let columns = portalColumns[portalName] ?? statementColumns[portal.statementName]
            let types = statementParameterTypes[portal.statementName]
            return (portal.text, portal.bind.flatMap { Self.textParameters($0, types: types) }, types, columns)
        default:
            return nil
        }
    }

    /// Moves past the answered statement.
    private mutating func advance() {
        switch replies.first {
        case .query(let remaining): replies[0] = .query(remaining.dropFirst())
        case .execute: replies.removeFirst()
        default: break
        }
        resetAnswer()
    }

    /// Holds `statement` back for the notifications that may follow it, in `place` (a new one when `nil`), if it is
    /// recordable, and hands the statement held before it to the recording.
    private mutating func keep(_ statement: RecordedStatement, at place: Int? = nil) {
        if let held { recording.add(held.statement, at: held.place) }
        held = nil
        var statement = statement
        if let command = ServerEmulationResponder.cursorCommand(statement.statement) {
            // A cursor command refused in a failed transaction (25P02) changed no cursor: serve refuses it itself.
            if case .error(let error) = statement.outcome, error.sqlState == "25P02" { return }
            guard let query = cursorCommand(command, statement) else { return }
            statement = query
        }
        if recordable(statement, unrecordable: unrecordable, answerBytes: answerBytes) {
            held = (statement, place ?? recording.reserve())
        }
    }

    /// Whether `statement`, whose answer was `answerBytes` long and cannot be recorded for `unrecordable` (if not
    /// `nil`), goes into the recording; counts it as skipped if it is left out for a reason the script names.
    private func recordable(
        _ statement: RecordedStatement, unrecordable: UnrecordableReason?, answerBytes: Int
    ) -> Bool {
        // `pgw serve` does transaction control, SET, RESET and DISCARD itself, as PostgreSQL does, and refuses
        // statements in a failed transaction itself (25P02).
        if case .error(let error) = statement.outcome, error.sqlState == "25P02" { return false }
        if ServerEmulationResponder.isSessionControl(statement.statement) { return false }
        if let unrecordable {
            recording.skip(unrecordable)
        } else if answerBytes > Self.maximumStatementBytes {
            recording.skip(.largeAnswer)
        } else if statement.statement.isEmpty {
            // The statement's Parse or Bind was too large to decode.
            recording.skip(.undecodedMessage)
        } else {
            return true
        }
        return false
    }

    /// Follows a DECLARE, FETCH, MOVE or CLOSE, which `pgw serve` answers from its session's cursors, asking the
    /// script only for a DECLARE's query: a DECLARE opens a ``RecordedCursor`` for its query (whose rule takes the
    /// DECLARE's place in the recording), FETCH and MOVE move it, CLOSE records it. Returns the rule to keep for
    /// `statement`: none, or the query's error for a DECLARE whose query failed.
    private mutating func cursorCommand(_ command: CursorCommand, _ statement: RecordedStatement) -> RecordedStatement?
    {
        switch command {
        case .declare(let name, let query, let isHoldable):
            var rule = statement
            rule.statement = query
            if case .error(let error) = statement.outcome {
                // serve refuses a DECLARE outside a transaction block (25P01) and a cursor name in use (42P03) itself.
                return error.sqlState == "25P01" || error.sqlState == "42P03" ? nil : rule
            }
            closeCursor(name)
            cursors[name] = RecordedCursor(query: rule, place: recording.reserve(), isHoldable: isHoldable)
        case .fetch(let name, let direction, let count, let isMove):
            cursors[name]?.moved(
                direction, count, isMove: isMove, outcome: statement.outcome, bytes: answerBytes,
                unrecordable: unrecordable)
        case .close(let name?):
            closeCursor(name)
        case .close(nil):
            for name in cursors.keys { closeCursor(name) }
        }
        return nil
    }

    /// Records cursor `name`, if it is open, as the rule for its query (in the place its DECLARE reserved), or counts
    /// it as not recordable.
    private mutating func closeCursor(_ name: String) {
        guard let cursor = cursors.removeValue(forKey: name) else { return }
        if let statement = cursor.recorded {
            recording.add(statement, at: cursor.place)
        } else if let reason = cursor.unrecordable {
            recording.skip(reason)
        }
    }

    /// Columns as a rule names them: the type with its modifiers (`numeric(5,2)`), text for a type pgw does not know.
    private static func recordedColumns(_ columns: [RowDescription.Column]) -> [(name: String, type: String)] {
        columns.map {
            ($0.name, PostgresType.known(oid: $0.dataTypeOID)?.declaration(typeModifier: $0.typeModifier) ?? "text")
        }
    }

    private mutating func resetAnswer() {
        columns = nil
        rows = []
        copyOut = nil
        copyIn = false
        notices = []
        answerBytes = 0
        unrecordable = nil
    }

    /// A DataRow's values as text: binary ones (in the formats the portal's Bind asked for) as PostgreSQL's text
    /// output of their column's type; a binary value of a type without a known text form makes the answer one a
    /// script cannot hold.
    private mutating func textRow(_ row: DataRow) -> [String?] {
        var formats: [FormatCode] = []
        switch replies.first {
        case .execute(let portal, _): formats = portal.bind?.resultFormats ?? []
        // A BINARY cursor's FETCH: the RowDescription gives the formats.
        case .query: formats = columns?.map(\.format) ?? []
        default: break
        }
        let columns = formats.isEmpty ? nil : columns ?? currentStatement()?.columns
        return row.enumerated().map { index, value in
            guard let value else { return nil }
            let type = columns.flatMap { index < $0.count ? $0[index].dataTypeOID : nil } ?? 0
            guard let text = TypedValue.postgresText(of: value, format: formats.code(at: index), oid: type) else {
                unrecordable = unrecordable ?? .binaryValue
                return nil
            }
            return text
        }
    }

    /// Bound parameter values as text, binary ones as PostgreSQL's text output of their `types`; `nil` when one is
    /// binary of a type without a known text form (then the rule matches any values).
    private static func textParameters(_ bind: Bind, types: [UInt32]?) -> [String?]? {
        var values: [String?] = []
        for (index, value) in bind.parameters.enumerated() {
            guard let value else {
                values.append(nil)
                continue
            }
            let type = types.flatMap { index < $0.count ? $0[index] : nil } ?? 0
            let format = bind.parameterFormats.code(at: index)
            guard let text = TypedValue.postgresText(of: value, format: format, oid: type) else { return nil }
            values.append(text)
        }
        return values
    }
}
