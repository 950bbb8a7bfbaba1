import NIOCore
import PostgresGateway
import PostgresWire

/// Follows one relayed connection's messages, pairs each statement the client runs (a simple Query's statements,
/// an extended-protocol Execute) with the server's answer, and adds it to a ``ScriptRecording``.
///
/// It keeps the replies the client is waiting for in order, as the server answers them: one per Parse, Bind,
/// Close and Describe, a result per statement, ReadyForQuery per Query and Sync; after an error in the extended
/// protocol the server skips to the Sync, and so does the recorder. A `COPY … FROM STDIN` that succeeded is recorded
/// by its statement alone. Statements a script cannot express (binary results, a failed or binary COPY FROM STDIN,
/// partial Executes, FunctionCall) are counted as skipped. At most
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
        /// The bound values as text, `nil` when one was binary.
        var parameters: [String?]?
        /// Whether results were asked for in binary format.
        var binaryResults: Bool
    }

    /// A reply the client is waiting for, in the order the server sends them.
    private enum Reply {
        /// A simple Query (or FunctionCall): its statements not yet answered, then ReadyForQuery.
        case query([String])
        /// An Execute's result.
        case execute(Portal, portalName: String)
        /// A Describe of the named portal: RowDescription or NoData.
        case describePortal(String)
        /// A Describe of the named statement: ParameterDescription, then RowDescription or NoData.
        case describeStatement(String)
        /// ParseComplete, BindComplete, CloseComplete.
        case completion
        /// A Sync's ReadyForQuery.
        case sync
    }

    private let recording: ScriptRecording
    private var replies: [Reply] = []
    private var statements: [String: String] = [:]
    private var portals: [String: Portal] = [:]
    private var statementColumns: [String: [RowDescription.Column]] = [:]
    private var portalColumns: [String: [RowDescription.Column]] = [:]
    // The answer being collected.
    private var columns: [RowDescription.Column]?
    private var rows: [[String?]] = []
    private var copyOut: [UInt8]?
    /// Whether the server asked for the client's COPY data (`COPY … FROM STDIN`).
    private var copyIn = false
    private var notices: [DiagnosticMessage] = []
    private var answerBytes = 0
    private var recordable = true
    /// The last finished statement, held back for the NotificationResponses that follow it.
    private var held: RecordedStatement?

    /// A recorder adding to `recording`.
    init(recording: ScriptRecording) {
        self.recording = recording
    }

    /// Takes one message the client sent.
    mutating func observe(_ message: FrontendMessage) {
        switch message {
        case .query(let query): replies.append(.query(QuerySession.splitStatements(query.text)))
        case .functionCall:
            recording.skip()
            replies.append(.query([]))
        case .parse(let parse):
            statements[parse.name] = parse.query
            replies.append(.completion)
        case .bind(let bind):
            portals[bind.portal] = Portal(
                statementName: bind.statement, text: statements[bind.statement] ?? "",
                parameters: Self.textParameters(bind), binaryResults: bind.resultFormats.contains(.binary))
            portalColumns[bind.portal] = nil
            replies.append(.completion)
        case .describe(let target):
            replies.append(target.kind == .portal ? .describePortal(target.name) : .describeStatement(target.name))
        case .execute(let execute):
            // An unknown portal (its Bind was too large to decode) still gets its answer, which is then skipped.
            let portal =
                portals[execute.portal]
                ?? Portal(statementName: "", text: "", parameters: nil, binaryResults: false)
            replies.append(.execute(portal, portalName: execute.portal))
        case .close: replies.append(.completion)
        case .sync: replies.append(.sync)
        default: break
        }
    }

    /// Takes one message the server sent.
    mutating func observe(_ message: BackendMessage) {
        switch message {
        case .parameterStatus(let status): recording.serverParameter(status.name, status.value)
        case .parseComplete, .bindComplete, .closeComplete:
            if case .completion = replies.first { replies.removeFirst() }
        case .rowDescription(let description): described(description.columns)
        case .noData: described(nil)
        case .dataRow(let row):
            rows.append(
                row.map { value in
                    value.map { String(decoding: $0.readableBytesView, as: UTF8.self) }
                })
            answerBytes += row.reduce(0) { $0 + ($1?.readableBytes ?? 0) }
        case .copyOutResponse(let response):
            copyOut = []
            if response.format != 0 { recordable = false }
        case .copyData(let data):
            if copyOut != nil {
                copyOut!.append(contentsOf: data.data.readableBytesView)
                answerBytes += data.data.readableBytes
            }
        case .copyInResponse(let response):
            copyIn = true
            if response.format != 0 { recordable = false }
        case .copyBothResponse, .portalSuspended: recordable = false
        case .noticeResponse(let notice): notices.append(notice)
        case .notificationResponse(let notification): held?.notifications.append(notification)
        case .commandComplete(let complete): finish(tag: complete.tag)
        case .emptyQueryResponse: finishWithoutStatement()
        case .errorResponse(let error): failed(error)
        case .readyForQuery:
            while let reply = replies.first {
                replies.removeFirst()
                if case .sync = reply { break }
                if case .query = reply { break }
            }
            resetAnswer()
        default: break
        }
    }

    /// Takes a message the tap relayed without decoding it (over its size limit), by its type byte: the replies it
    /// asks for are still expected, and what it belonged to is not recorded.
    mutating func observeUndecoded(typeByte: UInt8, fromClient: Bool) {
        guard fromClient else {
            // A huge DataRow or CopyData: the answer being collected is incomplete.
            recordable = false
            return
        }
        switch typeByte {
        case UInt8(ascii: "Q"), UInt8(ascii: "F"):
            recording.skip()
            replies.append(.query([]))
        case UInt8(ascii: "P"), UInt8(ascii: "B"):
            // Which statement or portal it named is unknown: forget them all, so none is recorded wrongly.
            if typeByte == UInt8(ascii: "P") { statements.removeAll() } else { portals.removeAll() }
            replies.append(.completion)
        default: break
        }
    }

    /// Hands the last statement to the recording (the connection is over).
    mutating func finishSession() {
        if let held { recording.add(held) }
        held = nil
    }

    private mutating func described(_ described: [RowDescription.Column]?) {
        switch replies.first {
        case .describeStatement(let name):
            statementColumns[name] = described
            replies.removeFirst()
        case .describePortal(let name):
            portalColumns[name] = described
            replies.removeFirst()
        default:
            columns = described
        }
    }

    private mutating func finish(tag: String) {
        guard let (statement, parameters, knownColumns) = currentStatement() else { return }
        if case .execute(let portal, _) = replies.first, portal.binaryResults { recordable = false }
        let resultColumns = columns ?? knownColumns
        let outcome: RecordedStatement.Outcome =
            if let copyOut {
                .copyOut(String(decoding: copyOut, as: UTF8.self))
            } else if copyIn {
                .copyIn
            } else if let resultColumns {
                .result(
                    columns: resultColumns.map { ($0.name, PostgresType.known(oid: $0.dataTypeOID)?.name ?? "text") },
                    rows: rows, tag: tag)
            } else {
                .command(tag: tag)
            }
        if resultColumns?.contains(where: { $0.format != .text }) == true { recordable = false }
        keep(RecordedStatement(statement: statement, parameters: parameters, outcome: outcome, notices: notices))
        advance()
    }

    private mutating func failed(_ error: DiagnosticMessage) {
        guard let head = replies.first else { return }
        // The server failed the COPY after taking data a script rule cannot hold: an error rule would refuse the
        // COPY before the client sends it.
        if copyIn { recordable = false }
        switch head {
        case .query(let remaining):
            if let statement = remaining.first {
                keep(RecordedStatement(statement: statement, parameters: nil, outcome: .error(error), notices: notices))
            }
            // The rest of the Query's statements are not run.
            replies[0] = .query([])
        case .execute(let portal, _):
            keep(
                RecordedStatement(
                    statement: portal.text, parameters: portal.parameters, outcome: .error(error), notices: notices))
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

    private mutating func finishWithoutStatement() {
        if case .execute = replies.first { replies.removeFirst() }
        resetAnswer()
    }

    /// The statement the head reply answers: its text, parameters and the columns a Describe announced.
    private func currentStatement() -> (String, [String?]?, [RowDescription.Column]?)? {
        switch replies.first {
        case .query(let remaining):
            guard let statement = remaining.first else { return nil }
            return (statement, nil, nil)
        case .execute(let portal, let portalName):
            let columns = portalColumns[portalName] ?? statementColumns[portal.statementName]
            return (portal.text, portal.parameters, columns)
        default:
            return nil
        }
    }

    /// Moves past the answered statement.
    private mutating func advance() {
        switch replies.first {
        case .query(let remaining): replies[0] = .query(Array(remaining.dropFirst()))
        case .execute: replies.removeFirst()
        default: break
        }
        resetAnswer()
    }

    private mutating func keep(_ statement: RecordedStatement) {
        if let held { recording.add(held) }
        held = nil
        if recordable && answerBytes <= Self.maximumStatementBytes && !statement.statement.isEmpty {
            held = statement
        } else {
            recording.skip()
        }
    }

    private mutating func resetAnswer() {
        columns = nil
        rows = []
        copyOut = nil
        copyIn = false
        notices = []
        answerBytes = 0
        recordable = true
    }

    /// Bound parameter values as text; `nil` when one is in binary format (then the rule matches any values).
    private static func textParameters(_ bind: Bind) -> [String?]? {
        let formats = bind.parameterFormats
        var values: [String?] = []
        for (index, value) in bind.parameters.enumerated() {
            let format = formats.count == 1 ? formats[0] : (index < formats.count ? formats[index] : .text)
            if format != .text { return nil }
            values.append(value.map { String(decoding: $0.readableBytesView, as: UTF8.self) })
        }
        return values
    }
}
