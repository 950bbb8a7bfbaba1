import NIOCore
import PostgresWire

/// Serves the simple and extended query protocols for a mock server, asking a ``QueryResponder`` what each
/// statement produces. Pure: client messages in, server messages out.
///
/// It tracks the transaction status (a failed transaction answers 25P02 until ROLLBACK), the settings (SET, RESET,
/// with ParameterStatus for reported ones), prepared statements and portals, and after an error in the extended
/// protocol skips messages until Sync, as PostgreSQL does. Parameter types come from the client or from casts in
/// the statement (`$1::int`); result values go out in the formats Bind asks for (binary as PostgreSQL sends it,
/// see ``BinaryValueEncoder``).
///
/// A statement can keep the session waiting: a ``QueryOutcome/delayed(_:then:)`` outcome until its time is up
/// (``pendingDelay``, then ``finishDelay()``) or a CancelRequest (``cancelStatement()``), and `COPY … FROM STDIN`
/// until the client's CopyDone or CopyFail (``isReceivingCopyData``). A ``QueryOutcome/closing(after:)`` outcome
/// sets ``closesConnection``.
public struct QuerySession: Sendable {
    private struct Portal: Sendable {
        var statement: Parse
        var parameters: [String?]
        var resultFormats: [FormatCode]
        /// The columns a Describe of the statement reported (none for NoData), which the client reads the rows by;
        /// `nil` when the statement was not described.
        var describedColumns: [ResultColumn]?
        /// The outcome of a run for Describe, answered by the next Execute.
        var outcome: QueryOutcome?
        /// What the next Execute answers; `nil` before the first Execute.
        var progress: Progress?
    }

    /// How far the Executes of a portal got.
    private enum Progress: Sendable {
        /// The replies not sent yet when an Execute with a row limit suspended the portal (rows, then
        /// CommandComplete), or the error the run ended with.
        case remaining(ArraySlice<BackendMessage>)
        /// Everything was sent: a further Execute completes with this tag and no rows.
        case completed(tag: String)
    }

    /// The status reported in ReadyForQuery.
    public private(set) var transactionStatus = TransactionStatus.idle
    /// The session's settings: server defaults, the reported parameters, the client's startup parameters, then
    /// every SET.
    public private(set) var settings: [String: String] {
        didSet {
            let setting = settings["client_encoding"]
            if setting != oldValue["client_encoding"] { (clientEncoding, clientSendsUTF8) = Self.encoding(of: setting) }
        }
    }
    /// The session's `client_encoding` when text needs converting to and from it (not UTF8 or SQL_ASCII), kept in
    /// step with ``settings`` (read for every statement and parameter).
    private var clientEncoding: ClientEncoding?
    /// Whether the client sends UTF-8 (text it sends must be valid UTF-8), kept in step with ``settings``.
    private var clientSendsUTF8 = true
    /// The settings at the start, which RESET returns to.
    private let initialSettings: [String: String]
    private let responder: any QueryResponder
    private var statements: [String: Parse] = [:]
    /// The columns each described prepared statement's Describe reported (none for NoData).
    private var statementDescriptions: [String: [ResultColumn]] = [:]
    private var portals: [String: Portal] = [:]
    private var isSkippingUntilSync = false

    /// What a statement waits for before the session answers it.
    private enum Suspension: Sendable {
        /// The end of a scripted delay, then this outcome.
        case delay(TimeAmount, QueryOutcome)
        /// The client's COPY data, counted as it comes.
        case copyIn(CopyInRowCounter)
    }

    /// The statement being waited for, if any.
    private var suspension: Suspension?
    /// The Execute that started the waiting statement; `nil` when it belongs to the pending simple query.
    private var suspendedExecute: Execute?
    /// Whether an outcome asked for the connection to be closed once its replies are sent.
    public private(set) var closesConnection = false

    /// How long the current statement waits before ``finishDelay()`` answers it; `nil` when none waits.
    public var pendingDelay: TimeAmount? {
        if case .delay(let delay, _) = suspension { delay } else { nil }
    }

    /// Whether a `COPY … FROM STDIN` is taking the client's CopyData (until CopyDone or CopyFail).
    public var isReceivingCopyData: Bool {
        if case .copyIn = suspension { true } else { false }
    }

    /// Creates a session; `settings` are the client's startup parameters, `reportedParameters` what the server
    /// reported in ParameterStatus at startup and `processID` the process ID its BackendKeyData gave the client
    /// (which `pg_backend_pid()` and the notifications of script rules report; `nil`: pgw's own).
    public init(
        responder: any QueryResponder, settings: [String: String] = [:],
        reportedParameters: [(name: String, value: String)] = [], processID: Int32? = nil
    ) {
        self.responder = responder
        var initial = ServerSettings.initial(reported: reportedParameters, startup: settings)
        initial[ServerSettings.processIDKey] = processID.map { String($0) }
        self.settings = initial
        self.initialSettings = initial
        (clientEncoding, clientSendsUTF8) = Self.encoding(of: initial["client_encoding"])
    }

    /// The conversion a `client_encoding` setting asks for, and whether it is UTF-8.
    private static func encoding(of setting: String?) -> (ClientEncoding?, sendsUTF8: Bool) {
        guard let setting else { return (nil, true) }
        return (ClientEncoding(setting: setting), ClientEncoding.canonicalName(of: setting) == "UTF8")
    }

    /// The simple query being answered, when ``continueSimpleQuery(maximumStatements:)`` has statements left.
    private var pendingQuery: StatementScanner?
    /// Whether the pending simple query has produced a statement yet (none means EmptyQueryResponse).
    private var pendingQueryHadStatement = false
    /// The error that answers the pending simple query instead of its statements (text that is not UTF-8).
    private var pendingQueryFailure: DiagnosticMessage?

    /// Whether a simple query is being answered in steps (see ``startSimpleQuery(_:)``); not while one of its
    /// statements waits (``pendingDelay``, ``isReceivingCopyData``).
    public var isAnsweringSimpleQuery: Bool { pendingQuery != nil && suspension == nil }

    /// The server's answer to one client message; a Query is answered whole, up to a statement that waits.
    public mutating func handle(_ message: FrontendMessage) -> [BackendMessage] {
        var replies: [BackendMessage] = []
        handle(message, into: &replies)
        return replies
    }

    /// ``handle(_:)`` with the replies appended to `replies`.
    mutating func handle(_ message: FrontendMessage, into replies: inout some QueryReplySink) {
        if case .copyIn(var counter) = suspension {
            replies.append(contentsOf: receiveCopy(message, counter: &counter))
            return
        }
        switch message {
        case .query(let query):
            startSimpleQuery(query.text)
            while isAnsweringSimpleQuery { continueSimpleQuery(maximumStatements: .max, into: &replies) }
        case .sync:
            isSkippingUntilSync = false
            replies.append(.readyForQuery(transactionStatus))
        case .functionCall:
            // Like PostgreSQL after a failed function call: the error, then ReadyForQuery.
            let error = QuerySessionError.unsupported(message.typeName).diagnostic
            failTransaction()
            replies.append(.errorResponse(error))
            replies.append(.readyForQuery(transactionStatus))
        case .flush, .copyData, .copyDone, .copyFail, .terminate:
            // Copy messages after a COPY failed are ignored, as PostgreSQL does.
            break
        default:
            guard !isSkippingUntilSync else { return }
            do {
                try extendedQuery(message, into: &replies)
            } catch {
                // As in PostgreSQL, any error fails an open transaction.
                failTransaction()
                isSkippingUntilSync = true
                replies.append(.errorResponse(error.diagnostic))
            }
        }
    }

    /// Answers a client message whose body could not be read (`diagnostic` is PostgreSQL's ERROR for it, such as
    /// `invalid string in message`), as PostgreSQL does after such an error: a Query, FunctionCall or Sync gets
    /// ReadyForQuery, an extended-protocol message starts skipping until Sync (while skipping, only a Sync is read,
    /// as in PostgreSQL), copy messages outside COPY are ignored unread. Returns `false` during COPY FROM STDIN,
    /// which the caller ends instead.
    mutating func rejectMalformed(
        typeByte: UInt8, _ diagnostic: DiagnosticMessage, into replies: inout some QueryReplySink
    ) -> Bool {
        if case .copyIn = suspension { return false }
        switch typeByte {
        case UInt8(ascii: "Q"), UInt8(ascii: "F"), UInt8(ascii: "S"):
            // Only Sync ends the skipping; PostgreSQL does not read a Query or FunctionCall until then.
            guard typeByte == UInt8(ascii: "S") || !isSkippingUntilSync else { return true }
            isSkippingUntilSync = false
            failTransaction()
            replies.append(.errorResponse(diagnostic))
            replies.append(.readyForQuery(transactionStatus))
        case UInt8(ascii: "d"), UInt8(ascii: "c"), UInt8(ascii: "f"):
            break
        default:
            guard !isSkippingUntilSync else { return true }
            failTransaction()
            isSkippingUntilSync = true
            replies.append(.errorResponse(diagnostic))
        }
        return true
    }

    /// PostgreSQL's 22021 for a statement that is not valid UTF-8 when the client said it sends UTF-8 (the
    /// default); `nil` otherwise.
    private func invalidEncoding(of text: String) -> DiagnosticMessage? {
        // The text first: it is nearly always valid, and this runs for every statement.
        guard let diagnostic = DiagnosticMessage.invalidUTF8(in: text) else { return nil }
        return clientSendsUTF8 ? diagnostic : nil
    }

    /// `text` from the client read into UTF-8 (``clientEncoding``).
    private func fromClient(_ text: String) throws(QuerySessionError) -> String {
        guard let encoding = clientEncoding else { return text }
        do throws(ClientEncoding.Failure) {
            return try encoding.decode(text)
        } catch {
            throw .reported(error.diagnostic)
        }
    }

    // MARK: Simple query

    /// Starts answering a simple query; get the replies with ``continueSimpleQuery(maximumStatements:)`` until
    /// ``isAnsweringSimpleQuery`` is false, so a query of many statements can be answered in bounded steps.
    public mutating func startSimpleQuery(_ text: String) {
        pendingQueryFailure = invalidEncoding(of: text)
        var text = text
        if pendingQueryFailure == nil, let encoding = clientEncoding {
            do throws(ClientEncoding.Failure) {
                text = try encoding.decode(text)
            } catch {
                pendingQueryFailure = error.diagnostic
            }
        }
        pendingQuery = StatementScanner(pendingQueryFailure == nil ? text : "")
        pendingQueryHadStatement = false
    }

    /// The replies to at most `maximumStatements` more statements of the query begun with
    /// ``startSimpleQuery(_:)``; the last step ends with ReadyForQuery.
    public mutating func continueSimpleQuery(maximumStatements: Int) -> [BackendMessage] {
        var replies: [BackendMessage] = []
        continueSimpleQuery(maximumStatements: maximumStatements, into: &replies)
        return replies
    }

    /// ``continueSimpleQuery(maximumStatements:)`` with the replies appended to `replies`.
    mutating func continueSimpleQuery(maximumStatements: Int, into replies: inout some QueryReplySink) {
        guard var scanner = pendingQuery else { return }
        if let failure = pendingQueryFailure {
            // Text PostgreSQL refuses before running any of it.
            pendingQueryFailure = nil
            pendingQueryHadStatement = true
            _ = answerSimpleStatement(.error(failure), into: &replies)
            endSimpleQuery(into: &replies)
            return
        }
        var answered = 0
        var finished = false
        while answered < maximumStatements {
            guard let statement = scanner.next() else {
                finished = true
                break
            }
            answered += 1
            pendingQueryHadStatement = true
            var outcome = run(statement, parameters: [], parameterTypes: [])
            if case .error(var diagnostic) = outcome, diagnostic.sqlState == "42601",
                let index = diagnostic.fields.firstIndex(where: { $0.code == .position }),
                let position = Int(diagnostic.fields[index].value)
            {
                // The position counts from the start of the whole query string, as in PostgreSQL.
                diagnostic.fields[index].value = String(position + scanner.lastStatementCharacterOffset)
                outcome = .error(diagnostic)
            }
            if case .delayed(let delay, let delayed) = outcome {
                wait(delay, then: delayed)
                pendingQuery = scanner
                return
            }
            let endsQuery = answerSimpleStatement(outcome, into: &replies)
            if suspension != nil {
                pendingQuery = scanner
                return
            }
            if endsQuery {
                finished = true
                break
            }
        }
        if !finished && !scanner.hasMore { finished = true }
        guard finished else {
            pendingQuery = scanner
            return
        }
        endSimpleQuery(into: &replies)
    }

    /// Appends one statement's replies in a simple query to `replies`; whether they end the query (an error, a
    /// closing outcome).
    private mutating func answerSimpleStatement(_ outcome: QueryOutcome, into replies: inout some QueryReplySink)
        -> Bool
    {
        if outcome.resultSet != nil {
            replies.appendResult(of: outcome, formats: [], description: true, rows: true)
            return closesConnection
        }
        let completion = complete(outcome, formats: [])
        if let columns = outcome.resultColumns {
            replies.append(.rowDescription(Self.describe(columns, formats: [])))
        }
        replies.append(contentsOf: completion)
        if case .errorResponse = completion.last { return true }
        return closesConnection
    }

    /// Appends the end of the pending simple query to `replies`: EmptyQueryResponse if it had no statement, and
    /// ReadyForQuery (nothing when the connection closes).
    private mutating func endSimpleQuery(into replies: inout some QueryReplySink) {
        pendingQuery = nil
        guard !closesConnection else { return }
        if !pendingQueryHadStatement { replies.append(.emptyQueryResponse) }
        replies.append(.readyForQuery(transactionStatus))
    }

    // MARK: Waiting statements

    /// The answer to the statement whose delay is over (see ``pendingDelay``); the simple query it belongs to
    /// goes on as ``isAnsweringSimpleQuery`` says.
    public mutating func finishDelay() -> [BackendMessage] {
        guard case .delay(_, let outcome) = suspension else { return [] }
        suspension = nil
        return finishSuspended(outcome)
    }

    /// Makes the statement wait `delay`, then answer `outcome`; when the session's `statement_timeout` is shorter,
    /// it waits that long and fails as PostgreSQL cancels it (57014).
    private mutating func wait(_ delay: TimeAmount, then outcome: QueryOutcome) {
        guard let timeout = ServerSettings.statementTimeout(in: settings), .milliseconds(Int64(timeout)) < delay else {
            suspension = .delay(delay, outcome)
            return
        }
        suspension = .delay(
            .milliseconds(Int64(timeout)),
            .error(
                DiagnosticMessage(
                    severity: "ERROR", sqlState: "57014", message: "canceling statement due to statement timeout")))
    }

    /// Cancels the statement that waits (a delay or a COPY FROM STDIN), as a CancelRequest does in PostgreSQL:
    /// `ERROR 57014 canceling statement due to user request`. Nothing when no statement waits.
    public mutating func cancelStatement() -> [BackendMessage] {
        guard suspension != nil else { return [] }
        suspension = nil
        return failSuspended(
            DiagnosticMessage(
                severity: "ERROR", sqlState: "57014", message: "canceling statement due to user request"))
    }

    /// COPY FROM STDIN: data is counted, CopyDone completes, CopyFail and other messages fail (Flush and Sync
    /// are ignored, as PostgreSQL does for libpq's sake).
    private mutating func receiveCopy(_ message: FrontendMessage, counter: inout CopyInRowCounter)
        -> [BackendMessage]
    {
        switch message {
        case .copyData(let data):
            do {
                try counter.consume(data.data)
            } catch {
                suspension = nil
                return failSuspended(error.diagnostic)
            }
            suspension = .copyIn(counter)
            return []
        case .flush, .sync:
            return []
        case .copyDone:
            suspension = nil
            do {
                return finishSuspended(.command(tag: "COPY \(try counter.finish())"))
            } catch {
                return failSuspended(error.diagnostic)
            }
        case .copyFail(let failure):
            suspension = nil
            return failSuspended(
                DiagnosticMessage(
                    severity: "ERROR", sqlState: "57014", message: "COPY from stdin failed: \(failure.message)"))
        default:
            suspension = nil
            let type = String(message.typeByte ?? 0, radix: 16, uppercase: true)
            return failSuspended(
                DiagnosticMessage(
                    severity: "ERROR", sqlState: "08P01",
                    message: "unexpected message type 0x\(type.count < 2 ? "0" : "")\(type) during COPY from stdin"))
        }
    }

    /// Answers the statement that waited with `outcome`, where it came from.
    private mutating func finishSuspended(_ outcome: QueryOutcome) -> [BackendMessage] {
        if let execute = suspendedExecute {
            suspendedExecute = nil
            do {
                var replies: [BackendMessage] = []
                try executeOutcome(outcome, for: execute, into: &replies)
                return replies
            } catch {
                failTransaction()
                isSkippingUntilSync = true
                return [.errorResponse(error.diagnostic)]
            }
        }
        var replies: [BackendMessage] = []
        let endsQuery = answerSimpleStatement(outcome, into: &replies)
        guard suspension == nil else { return replies }
        if endsQuery || pendingQuery?.hasMore != true { endSimpleQuery(into: &replies) }
        return replies
    }

    /// Fails the statement that waited: the error, then ReadyForQuery in a simple query, or skipping until Sync.
    private mutating func failSuspended(_ diagnostic: DiagnosticMessage) -> [BackendMessage] {
        failTransaction()
        if suspendedExecute != nil {
            suspendedExecute = nil
            isSkippingUntilSync = true
            return [.errorResponse(diagnostic)]
        }
        var replies: [BackendMessage] = [.errorResponse(diagnostic)]
        endSimpleQuery(into: &replies)
        return replies
    }

    /// Splits a simple query into statements as PostgreSQL's lexer does (see ``StatementScanner``).
    public static func splitStatements(_ text: String) -> [String] {
        StatementScanner.statements(in: text)
    }

    // MARK: Extended query

    private mutating func extendedQuery(_ message: FrontendMessage, into replies: inout some QueryReplySink)
        throws(QuerySessionError)
    {
        switch message {
        case .parse(var parse):
            // As PostgreSQL: the unnamed statement goes first, even when its replacement fails.
            if parse.name.isEmpty {
                statements[""] = nil
                statementDescriptions[""] = nil
            }
            if let invalid = invalidEncoding(of: parse.query) { throw .reported(invalid) }
            parse.query = try fromClient(parse.query)
            let parsed: ParsedStatement
            do {
                parsed = try SQLParser.parse(parse.query)
            } catch {
                throw .reported(error.diagnostic())
            }
            if parsed.statementCount > 1 {
                throw .reported(
                    DiagnosticMessage(
                        severity: "ERROR", sqlState: "42601",
                        message: "cannot insert multiple commands into a prepared statement"))
            }
            if let aborted = abortedTransactionError(for: parse.query) { throw .reported(aborted) }
            if statements[parse.name] != nil {
                throw .reported(
                    DiagnosticMessage(
                        severity: "ERROR", sqlState: "42P05",
                        message: "prepared statement \"\(parse.name)\" already exists"))
            }
            resolveParameterTypes(of: &parse, parsed: parsed)
            statements[parse.name] = parse
            statementDescriptions[parse.name] = nil
            replies.append(.parseComplete)
        case .bind(let bind):
            guard let statement = statements[bind.statement] else {
                throw .undefined(kind: "prepared statement", name: bind.statement)
            }
            if let error = BindValidation.error(
                of: bind, for: statement, named: bind.statement, utf8: clientSendsUTF8)
            {
                throw .reported(error)
            }
            if bind.resultFormats.count > 1,
                let columns = statementDescriptions[bind.statement]
                    ?? describedColumns(of: statement.query, parameterTypes: statement.parameterTypes),
                let error = BindValidation.resultFormatsError(count: bind.resultFormats.count, columns: columns.count)
            {
                throw .reported(error)
            }
            if let aborted = abortedTransactionError(for: statement.query) { throw .reported(aborted) }
            var parameters: [String?] = []
            for (index, value) in bind.parameters.enumerated() {
                parameters.append(
                    try value.map { value throws(QuerySessionError) in
                        try fromClient(
                            ParameterText.text(
                                of: value, format: bind.parameterFormats.code(at: index),
                                type: statement.parameterType(at: index)))
                    })
            }
            portals[bind.portal] = Portal(
                statement: statement, parameters: parameters, resultFormats: bind.resultFormats,
                describedColumns: statementDescriptions[bind.statement])
            replies.append(.bindComplete)
        case .describe(let target) where target.kind == .statement:
            guard let statement = statements[target.name] else {
                throw .undefined(kind: "prepared statement", name: target.name)
            }
            replies.append(.parameterDescription(ParameterDescription(parameterTypes: statement.parameterTypes)))
            let columns = describedColumns(of: statement.query, parameterTypes: statement.parameterTypes)
            statementDescriptions[target.name] = columns ?? []
            replies.append(columns.map { .rowDescription(Self.describe($0, formats: [])) } ?? .noData)
        case .describe(let target):
            guard let index = portals.index(forKey: target.name) else {
                throw .undefined(kind: "portal", name: target.name)
            }
            let (hasRun, statement, parameters, formats, stored) = withPortal(at: index) {
                ($0.progress != nil, $0.statement, $0.parameters, $0.resultFormats, $0.outcome)
            }
            guard !hasRun else {
                let columns = describedColumns(of: statement.query, parameterTypes: statement.parameterTypes)
                replies.append(columns.map { .rowDescription(Self.describe($0, formats: formats)) } ?? .noData)
                return
            }
            // The portal's parameters are bound: run it now, so that the description is the result's and the
            // statement runs once (the Execute that follows answers with this outcome).
            let outcome =
                stored ?? run(statement.query, parameters: parameters, parameterTypes: statement.parameterTypes)
            portals.values[index].outcome = outcome
            if outcome.resultSet != nil {
                replies.appendResult(of: outcome, formats: formats, description: true, rows: false)
            } else if let columns = outcome.resultColumns {
                replies.append(.rowDescription(Self.describe(columns, formats: formats)))
            } else {
                replies.append(.noData)
            }
        case .execute(let execute):
            guard let index = portals.index(forKey: execute.portal) else {
                throw .undefined(kind: "portal", name: execute.portal)
            }
            // The outcome Describe stored is taken out, for this Execute only.
            let (progress, statement, parameters, described, stored) = withPortal(at: index) { portal in
                defer { portal.outcome = nil }
                return (portal.progress, portal.statement, portal.parameters, portal.describedColumns, portal.outcome)
            }
            if let progress {
                replies.append(contentsOf: try executeRemaining(progress, execute, at: index))
                return
            }
            let outcome =
                stored
                ?? Self.conforming(
                    run(statement.query, parameters: parameters, parameterTypes: statement.parameterTypes),
                    to: described)
            if case .delayed(let delay, let delayed) = outcome {
                wait(delay, then: delayed)
                suspendedExecute = execute
                return
            }
            try executeOutcome(outcome, for: execute, into: &replies)
        case .close(let target):
            if target.kind == .statement {
                statements[target.name] = nil
                statementDescriptions[target.name] = nil
            } else {
                portals[target.name] = nil
            }
            replies.append(.closeComplete)
        default:
            throw .unsupported(message.typeName)
        }
    }

    /// Gives `parse` (whose statement is `parsed`) a type for every parameter: unspecified ones become the
    /// responder's (a script rule's `param_types`), else those the statement implies (`$1::int`, `$1 + 1`), else
    /// text, as Describe reports them and as Bind decodes binary values.
    private func resolveParameterTypes(of parse: inout Parse, parsed: ParsedStatement) {
        let count = max(parse.parameterTypes.count, parsed.highestParameter)
        guard parse.parameterTypes.count < count || parse.parameterTypes.contains(0) else { return }
        let given = responder.parameterTypes(of: parse.query)
        parse.parameterTypes = (0..<count).map { index in
            for types in [parse.parameterTypes, given] where index < types.count && types[index] != 0 {
                return types[index]
            }
            return parsed.parameterTypes[index + 1]?.oid ?? PostgresType.text.oid
        }
    }

    /// `outcome` with the dates and times of columns asked for in binary in ISO form again (the binary encoder's),
    /// when the session's DateStyle printed them otherwise.
    private func binaryDateTimes(_ outcome: QueryOutcome, formats: [FormatCode]) -> QueryOutcome {
        guard formats.contains(.binary), case .result(let columns, var rows, let tag) = outcome else { return outcome }
        let output = OutputSettings(settings)
        guard let style = output.dateStyle, style != .iso, let zone = TimeZoneRules.named(output.timeZone) else {
            return outcome
        }
        for (index, column) in columns.enumerated()
        where formats.code(at: index) == .binary && [.date, .timestamp, .timestamptz].contains(column.type) {
            for row in rows.indices where index < rows[row].count {
                guard let text = rows[row][index] else { continue }
                rows[row][index] =
                    DateTimeText.iso(fromOutput: text, type: column.type, zone: zone, style: style) ?? text
            }
        }
        return .result(columns: columns, rows: rows, tag: tag)
    }

    /// Execute's answer with the portal's outcome: its replies, up to the row limit.
    private mutating func executeOutcome(
        _ outcome: QueryOutcome, for execute: Execute, into sink: inout some QueryReplySink
    ) throws(QuerySessionError) {
        guard let index = portals.index(forKey: execute.portal) else {
            throw .undefined(kind: "portal", name: execute.portal)
        }
        let formats = withPortal(at: index) { $0.resultFormats }
        if let columns = outcome.resultColumns {
            // Checked as PostgreSQL checks them when the portal starts sending rows.
            if let format = formats.first(where: { $0 != .text && $0 != .binary }) {
                throw .reported(BindValidation.unsupportedFormat(format))
            }
            if let error = BindValidation.resultFormatsError(count: formats.count, columns: columns.count) {
                throw .reported(error)
            }
        }
        let outcome = binaryDateTimes(outcome, formats: formats)
        if execute.maxRows == 0, let tag = outcome.resultSet?.tag {
            // No row limit: everything goes out now.
            portals.values[index].progress = .completed(tag: Self.tag(afterCompleting: tag))
            if !sink.appendResult(of: outcome, formats: formats, description: false, rows: true) {
                // The rows could not be sent in the formats asked for: the sink has the error.
                failTransaction()
                isSkippingUntilSync = true
            }
            return
        }
        let replies = complete(outcome, formats: formats)
        if suspension != nil {
            // COPY FROM STDIN: CopyInResponse now, the command's completion after the data.
            suspendedExecute = execute
            portals.values[index].progress = .completed(tag: "COPY 0")
            sink.append(contentsOf: replies)
            return
        }
        if execute.maxRows == 0, !Self.isError(replies.last) {
            // No row limit: everything goes out now.
            portals.values[index].progress = .completed(tag: Self.tag(afterRows: replies.last))
            sink.append(contentsOf: replies)
            return
        }
        sink.append(contentsOf: try executeRemaining(.remaining(replies[...]), execute, at: index))
    }

    /// Execute's answer with the portal at `index` as far as `progress`.
    private mutating func executeRemaining(
        _ progress: Progress, _ execute: Execute, at index: Dictionary<String, Portal>.Index
    ) throws(QuerySessionError) -> [BackendMessage] {
        let replies: ArraySlice<BackendMessage>
        switch progress {
        case .completed(let tag): return [.commandComplete(CommandComplete(tag: tag))]
        case .remaining(let remaining): replies = remaining
        }
        if case .errorResponse(let diagnostic) = replies.last {
            portals.values[index].progress = progress
            throw .reported(diagnostic)
        }
        // A row limit sends that many rows and PortalSuspended, as PostgreSQL does when it fetched as many rows as
        // asked for (it does not look further to see whether that was the last); the next Execute continues.
        let rows = replies.prefix { if case .dataRow = $0 { true } else { false } }.count
        if execute.maxRows > 0 && rows >= Int(execute.maxRows) {
            portals.values[index].progress = .remaining(replies.dropFirst(Int(execute.maxRows)))
            return Array(replies.prefix(Int(execute.maxRows))) + [.portalSuspended]
        }
        portals.values[index].progress = .completed(tag: Self.tag(afterRows: replies.last))
        var sent = Array(replies)
        if execute.maxRows > 0 || replies.startIndex > 0, case .commandComplete(let complete) = sent.last,
            complete.tag.hasPrefix("SELECT ")
        {
            // As PostgreSQL: the rows of this Execute, not of the whole result.
            sent[sent.count - 1] = .commandComplete(CommandComplete(tag: "SELECT \(rows)"))
        }
        return sent
    }

    /// Reads or changes the portal at `index` in place: reading a portal through the dictionary's values copies it
    /// whole, which costs more than the rest of an Execute.
    private mutating func withPortal<Result>(
        at index: Dictionary<String, Portal>.Index, _ body: (inout Portal) -> Result
    ) -> Result {
        body(&portals.values[index])
    }

    /// Marks an open transaction failed after an error (ROLLBACK ends it).
    private mutating func failTransaction() {
        if transactionStatus == .inTransaction { transactionStatus = .failed }
    }

    /// Whether `reply` is an ErrorResponse.
    private static func isError(_ reply: BackendMessage?) -> Bool {
        if case .errorResponse = reply { true } else { false }
    }

    /// The result columns Describe reports for `query` with parameters of the types of `parameterTypes`; `nil`
    /// (NoData) for none, or for several statements.
    private func describedColumns(of query: String, parameterTypes: [UInt32]) -> [ResultColumn]? {
        let split = Self.splitStatements(query)
        guard split.count <= 1 else { return nil }
        let statement = split.first ?? ""
        // EXECUTE answers what its prepared statement answers.
        if case .executePrepared(let name, _) = (try? SQLParser.parse(statement))?.kind,
            let prepared = statements[name],
            prepared.query != query
        {
            return describedColumns(of: prepared.query, parameterTypes: prepared.parameterTypes)
        }
        let columns = responder.resultColumns(of: statement, parameterTypes: parameterTypes, settings: settings)
        guard let encoding = clientEncoding, let columns else { return columns }
        // The names in the client's encoding (a name it cannot hold: the result's 22P05 tells).
        return columns.map { column in
            var column = column
            column.name = (try? encoding.encode(column.name)) ?? column.name
            return column
        }
    }

    /// `outcome`, or 0A000 when it is a result set whose column types are not those the statement's Describe
    /// reported (`described`; none for NoData): the client reads the rows by that description (asyncpg decodes
    /// binary values by its types), so rows of other columns would break it. A statement's Describe runs without its
    /// parameters, and an answer that depends on them (a value the engine cannot compute, rules matching `params`)
    /// can differ.
    private static func conforming(_ outcome: QueryOutcome, to described: [ResultColumn]?) -> QueryOutcome {
        guard let described, let columns = outcome.resultColumns,
            !columns.elementsEqual(described, by: { $0.type == $1.type })
        else {
            return outcome
        }
        func list(_ columns: [ResultColumn]) -> String {
            columns.isEmpty ? "no columns" : columns.map { "\($0.name) \($0.type.name)" }.joined(separator: ", ")
        }
        return .error(
            DiagnosticMessage(
                severity: "ERROR", sqlState: "0A000",
                message: "pgw: the answer to this statement does not have the columns its Describe reported",
                detail: "Described: \(list(described)). Answered: \(list(columns)).",
                hint: "Give the statement a rule (match, columns, rows) whose columns do not depend on the parameters.")
        )
    }

    /// The highest `$n` parameter number in `query` (0 when it has none).
    public static func highestParameterNumber(in query: String) -> Int {
        var highest = 0
        var number: Int?
        for byte in query.utf8 {
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"), let digits = number {
                number = min(digits * 10 + Int(byte - UInt8(ascii: "0")), Int(Int16.max))
                continue
            }
            if let digits = number { highest = max(highest, digits) }
            number = byte == UInt8(ascii: "$") ? 0 : nil
        }
        if let digits = number { highest = max(highest, digits) }
        return highest
    }

    // MARK: Outcomes

    /// PostgreSQL's 25P02 for `statement` in a failed transaction, unless it ends the failure (ROLLBACK, COMMIT,
    /// ROLLBACK TO SAVEPOINT); `nil` outside one.
    private func abortedTransactionError(for statement: String) -> DiagnosticMessage? {
        guard transactionStatus == .failed else { return nil }
        switch (try? SQLParser.parse(statement))?.kind {
        case .transaction(.rollback), .transaction(.commit), .transaction(.rollbackToSavepoint): return nil
        default:
            return DiagnosticMessage(
                severity: "ERROR", sqlState: "25P02",
                message: "current transaction is aborted, commands ignored until end of transaction block")
        }
    }

    private mutating func run(_ statement: String, parameters: [String?], parameterTypes: [UInt32]) -> QueryOutcome {
        if let aborted = abortedTransactionError(for: statement) { return .error(aborted) }
        if let outcome = runPreparedStatementCommand(statement) { return outcome }
        let outcome = responder.outcome(
            of: statement, parameters: parameters, parameterTypes: parameterTypes, settings: settings)
        // Sent in the client's encoding.
        return clientEncoding.map { $0.encode(outcome) } ?? outcome
    }

    /// The answer to PREPARE, EXECUTE and DEALLOCATE, which keep their statements among the protocol's prepared
    /// statements as PostgreSQL does (a Parse may bind what PREPARE made); `nil` for other statements, and for an
    /// EXECUTE whose values are not constants (the responder answers it).
    private mutating func runPreparedStatementCommand(_ statement: String) -> QueryOutcome? {
        guard let parsed = try? SQLParser.parse(statement) else { return nil }
        func missing(_ name: String) -> QueryOutcome {
            .error(
                DiagnosticMessage(
                    severity: "ERROR", sqlState: "26000", message: "prepared statement \"\(name)\" does not exist"))
        }
        switch parsed.kind {
        case .prepare(let name, let types):
            guard statements[name] == nil else {
                return .error(
                    DiagnosticMessage(
                        severity: "ERROR", sqlState: "42P05", message: "prepared statement \"\(name)\" already exists"))
            }
            guard let query = Self.preparedQuery(in: statement) else { return nil }
            let inner: ParsedStatement
            do {
                inner = try SQLParser.parse(query)
            } catch {
                return .error(error.diagnostic())
            }
            var parse = Parse(name: name, query: query, parameterTypes: types)
            resolveParameterTypes(of: &parse, parsed: inner)
            statements[name] = parse
            statementDescriptions[name] = nil
            return .command(tag: parsed.tag)
        case .executePrepared(let name, let parameters):
            guard let prepared = statements[name] else { return missing(name) }
            // A Parse can prepare an EXECUTE (PREPARE cannot): not followed, so that one of itself cannot loop.
            if case .executePrepared = (try? SQLParser.parse(prepared.query))?.kind { return nil }
            guard parameters.count == prepared.parameterTypes.count else {
                return .error(
                    DiagnosticMessage(
                        severity: "ERROR", sqlState: "42601",
                        message: "wrong number of parameters for prepared statement \"\(name)\"",
                        detail: "Expected \(prepared.parameterTypes.count) parameters but got \(parameters.count)."))
            }
            return run(prepared.query, parameters: parameters, parameterTypes: prepared.parameterTypes)
        case .deallocate(let name?):
            guard statements[name] != nil else { return missing(name) }
            statements[name] = nil
            statementDescriptions[name] = nil
            return .command(tag: parsed.tag)
        case .deallocate(nil):
            statements = statements.filter { $0.key.isEmpty }
            statementDescriptions = statementDescriptions.filter { $0.key.isEmpty }
            return .command(tag: parsed.tag)
        default:
            return nil
        }
    }

    /// The statement a `PREPARE name [(types)] AS statement` prepares: the text after its `AS`; `nil` when it is not
    /// found.
    static func preparedQuery(in prepare: String) -> String? {
        var rest = prepare.drop { $0.isWhitespace }
        guard rest.lowercased().hasPrefix("prepare") else { return nil }
        rest = rest.dropFirst(7).drop { $0.isWhitespace }
        // The name: a quoted identifier ("" for a quote) or a plain one.
        if rest.first == "\"" {
            rest = rest.dropFirst()
            while let quote = rest.firstIndex(of: "\"") {
                rest = rest[rest.index(after: quote)...]
                guard rest.first == "\"" else { break }
                rest = rest.dropFirst()
            }
        } else {
            rest = rest.drop { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "$" }
        }
        rest = rest.drop { $0.isWhitespace }
        if rest.first == "(" {
            var depth = 0
            while let character = rest.first {
                rest = rest.dropFirst()
                if character == "(" { depth += 1 }
                if character == ")" { depth -= 1 }
                if depth == 0 { break }
            }
            rest = rest.drop { $0.isWhitespace }
        }
        guard rest.lowercased().hasPrefix("as"), let next = rest.dropFirst(2).first, next.isWhitespace || next == "("
        else {
            return nil
        }
        return String(rest.dropFirst(2)).trimmingWhitespace()
    }

    /// A WARNING notice, as PostgreSQL's transaction commands send them.
    private static func warning(_ code: String, _ message: String) -> BackendMessage {
        .noticeResponse(DiagnosticMessage(severity: "WARNING", sqlState: code, message: message))
    }

    /// The messages after the RowDescription: rows (in the result `formats` the client asked for, where the
    /// type can be sent in binary) and CommandComplete, or the error; applies the effect.
    private mutating func complete(_ outcome: QueryOutcome, formats: [FormatCode]) -> [BackendMessage] {
        switch outcome {
        case .rows, .result:
            let replies = Self.rowReplies(of: outcome, formats: formats)
            if Self.isError(replies.last) { failTransaction() }
            return replies
        case .command(var tag, let effect):
            // PostgreSQL's warnings come before the completion, ParameterStatus after it.
            var warning: BackendMessage?
            var replies: [BackendMessage] = []
            switch effect {
            case .none: break
            case .beginTransaction:
                if transactionStatus == .idle {
                    transactionStatus = .inTransaction
                } else {
                    warning = Self.warning("25001", "there is already a transaction in progress")
                }
            case .commit, .rollback:
                if transactionStatus == .idle {
                    warning = Self.warning("25P01", "there is no transaction in progress")
                }
                if transactionStatus == .failed && effect == .commit { tag = "ROLLBACK" }
                transactionStatus = .idle
            case .rollbackToSavepoint: if transactionStatus == .failed { transactionStatus = .inTransaction }
            case .set(let changes):
                // Checked first, as PostgreSQL refuses a SET whole.
                var accepted: [(name: String, value: String)] = []
                for (name, value) in changes.sorted(by: { $0.key < $1.key }) {
                    do {
                        accepted.append((name, try ServerSettings.validated(name, value, in: settings)))
                    } catch {
                        failTransaction()
                        return [.errorResponse(error.diagnostic)]
                    }
                }
                for (name, value) in accepted { replies += change(name, to: value) }
            case .reset(let name):
                do {
                    _ = try ServerSettings.checkedName(name, in: settings)
                } catch {
                    failTransaction()
                    return [.errorResponse(error.diagnostic)]
                }
                let canonical = ServerSettings.canonicalName(name, in: settings)
                replies += change(canonical, to: initialSettings[canonical])
            case .resetAll:
                for name in Set(settings.keys).union(initialSettings.keys).sorted() {
                    replies += change(name, to: initialSettings[name])
                }
            }
            return [warning, .commandComplete(CommandComplete(tag: tag))].compactMap { $0 } + replies
        case .empty:
            return [.emptyQueryResponse]
        case .error(let diagnostic):
            failTransaction()
            return [.errorResponse(diagnostic)]
        case .notices(let notices, let outcome):
            return notices.map { .noticeResponse($0) } + complete(outcome, formats: formats)
        case .notifying(let notifications, let outcome):
            // Sent as by the session's backend, whose process ID the client knows from BackendKeyData.
            let processID = settings[ServerSettings.processIDKey].flatMap { Int32($0) }
            return complete(outcome, formats: formats)
                + notifications.map { notification in
                    var notification = notification
                    notification.processID = processID ?? notification.processID
                    return .notificationResponse(notification)
                }
        case .copyIn(let columns, let format):
            // As PostgreSQL: the overall format, and the same for every column.
            suspension = .copyIn(CopyInRowCounter(format: format))
            return [
                .copyInResponse(
                    CopyResponse(
                        format: format.isBinary ? 1 : 0,
                        columnFormats: Array(repeating: format.isBinary ? .binary : .text, count: columns)))
            ]
        case .delayed(_, let outcome):
            // Only a top-level delay waits (the callers take it off); inside another outcome it is answered at once.
            return complete(outcome, formats: formats)
        case .closing(let outcome):
            closesConnection = true
            return outcome.map { complete($0, formats: formats) } ?? []
        case .copyOut(let text):
            // As PostgreSQL: CopyOutResponse (text, one format per column), one CopyData per row (libpq's
            // PQgetCopyData and psycopg's `rows()` read a row per message), CopyDone, "COPY rows".
            var rows: [BackendMessage] = []
            var start = text.startIndex
            while start < text.endIndex {
                let end = text[start...].firstIndex(of: "\n").map { text.index(after: $0) } ?? text.endIndex
                rows.append(.copyData(CopyData(data: ByteBuffer(substring: text[start..<end]))))
                start = end
            }
            let firstRow = text.prefix { $0 != "\n" }
            let columns = firstRow.isEmpty ? 0 : firstRow.split(separator: "\t", omittingEmptySubsequences: false).count
            return [.copyOutResponse(CopyResponse(format: 0, columnFormats: Array(repeating: .text, count: columns)))]
                + rows + [.copyDone, .commandComplete(CommandComplete(tag: "COPY \(rows.count)"))]
        }
    }

    /// The DataRows and CommandComplete of a result set (`.rows` or `.result`; nothing for other outcomes), with the
    /// values in the result `formats` the client asked for; an ErrorResponse alone (0A000) when a column asked for in
    /// binary has a type or a value the encoder cannot write in binary, as PostgreSQL never mixes formats.
    static func rowReplies(of outcome: QueryOutcome, formats: [FormatCode]) -> [BackendMessage] {
        guard let (rows, tag) = outcome.resultSet else { return [] }
        // Without a binary format asked for, every value goes out as text (no column types needed).
        let columns = formats.contains(.binary) ? outcome.resultColumns ?? [] : []
        let binary = columns.indices.map { formats.code(at: $0) == .binary }
        for (column, isBinary) in zip(columns, binary) where isBinary && !BinaryValueEncoder.supports(column.type.oid) {
            return [.errorResponse(binaryRefusal(of: column.type, value: nil))]
        }
        var replies: [BackendMessage] = []
        replies.reserveCapacity(rows.count + 1)
        for row in rows {
            var values: [ByteBuffer?] = []
            values.reserveCapacity(row.count)
            for (index, value) in row.enumerated() {
                guard let text = value else {
                    values.append(nil)
                    continue
                }
                guard index < binary.count, binary[index] else {
                    // Text that came from the client as other than UTF-8 goes back as its bytes.
                    var bytes = ByteBuffer()
                    bytes.writeWireText(text)
                    values.append(bytes)
                    continue
                }
                guard let encoded = BinaryValueEncoder.encode(text, type: columns[index].type.oid) else {
                    return [.errorResponse(binaryRefusal(of: columns[index].type, value: text))]
                }
                values.append(encoded)
            }
            replies.append(.dataRow(DataRow(columns: values)))
        }
        replies.append(.commandComplete(CommandComplete(tag: tag)))
        return replies
    }

    /// The error for a column asked for in binary that cannot be sent so: its type, or one of its values (`value`),
    /// has no binary form here.
    private static func binaryRefusal(of type: PostgresType, value: String?) -> DiagnosticMessage {
        let name = type.name.hasPrefix("_") ? type.name.dropFirst() + "[]" : type.name
        return DiagnosticMessage(
            severity: "ERROR", sqlState: "0A000", message: "pgw serve cannot send type \(name) in binary format",
            detail: value.map { "The value '\($0)' is not in a form pgw serve can encode in binary." })
    }

    /// The tag of an Execute of a portal that already completed: its command tag with no more rows (PostgreSQL
    /// answers `SELECT 0`).
    private static func tag(afterRows last: BackendMessage?) -> String {
        guard case .commandComplete(let complete) = last else { return "SELECT 0" }
        return tag(afterCompleting: complete.tag)
    }

    /// The tag of an Execute of a portal that completed with `tag`.
    private static func tag(afterCompleting tag: String) -> String {
        tag.hasPrefix("SELECT") ? "SELECT 0" : tag
    }

    /// Sets (or with `nil` removes) a setting; a reported one whose value changes is reported with ParameterStatus.
    private mutating func change(_ name: String, to value: String?) -> [BackendMessage] {
        let canonical = ServerSettings.canonicalName(name, in: settings)
        guard settings[canonical] != value else { return [] }
        settings[canonical] = value
        guard let value, ServerSettings.reported.contains(canonical) else { return [] }
        return [.parameterStatus(ParameterStatus(name: canonical, value: value))]
    }

    /// The RowDescription of `columns` with the result `formats` the client asked for (a type that cannot be sent
    /// in binary fails at Execute, as in PostgreSQL for a type without a send function).
    static func describe(_ columns: [ResultColumn], formats: [FormatCode]) -> RowDescription {
        RowDescription(
            columns: columns.enumerated().map { index, column in
                RowDescription.Column(
                    name: column.name, dataTypeOID: column.type.oid, typeModifier: column.typeModifier,
                    format: formats.code(at: index))
            }
        )
    }
}
