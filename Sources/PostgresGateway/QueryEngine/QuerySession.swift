import NIOCore
import PostgresWire

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Serves the simple and extended query protocols for a mock server, asking a ``QueryResponder`` what each
/// statement produces. Pure: client messages in, server messages out.
///
/// It tracks the transaction status (a failed transaction answers 25P02 until ROLLBACK), the settings (SET, RESET,
/// with ParameterStatus for reported ones), prepared statements and portals, cursors (DECLARE, FETCH, MOVE, CLOSE;
/// see ``SessionCursors``), the channels it listens to and the notifications it delivers at commit, and after an
/// error in the extended protocol skips messages until Sync, as PostgreSQL does. Parameter types come from the
/// client or from casts in the statement (`$1::int`); result values go out in the formats Bind asks for (binary as
/// PostgreSQL sends it, see ``BinaryValueEncoder``).
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
    /// The transaction the statements run in: its savepoints, the settings its end and rollbacks restore.
    private var transaction = SessionTransaction()
    /// Whether the simple query being answered runs its statements in one implicit transaction block, as
    /// PostgreSQL runs a query of several statements.
    private var queryIsImplicitBlock = false
    /// The values of the reported settings as the client was last told them (at startup, in ParameterStatus).
    private var reportedValues: [String: String]
    /// Whether settings changed without a ParameterStatus (a transaction's end put them back, `set_config` changed
    /// them): the reported ones that changed are reported before the next ReadyForQuery, as PostgreSQL does.
    private var needsReport = false
    /// Whether DISCARD ALL ran: the portals go once the statement's replies are sent (but the running one, as
    /// PostgreSQL keeps the active portal).
    private var discardsPortals = false

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
    /// The session's cursors (DECLARE … CURSOR).
    private var cursors = SessionCursors()
    /// The channels the session listens to (LISTEN), whose NOTIFYs it receives.
    private var listeningChannels: Set<String> = []
    /// While a statement of a simple query runs: whether the query had statements before it, and the statements
    /// after it, which tell whether it runs in an implicit transaction block (a query of several statements), where
    /// PostgreSQL allows DECLARE CURSOR without BEGIN.
    private var simpleQueryContext: (hadEarlier: Bool, rest: StatementScanner)?
    /// The result formats of the next statement's rows in the simple query protocol: binary for a FETCH from a
    /// BINARY cursor, text (none given) otherwise.
    private var simpleResultFormats: [FormatCode] = []
    /// The notifications of the statements answered in the current transaction (a rule's `notify`), sent before the
    /// ReadyForQuery that follows its commit; a rollback drops them, as PostgreSQL drops a rolled-back NOTIFY.
    private var pendingNotifications: [NotificationResponse] = []

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
        // Every transaction starts with the defaults of its characteristics.
        for name in ServerSettings.transactionCharacteristics {
            if let value = initial["default_" + name] { initial[name] = value }
        }
        self.settings = initial
        self.reportedValues = initial.filter { ServerSettings.reported.contains($0.key) }
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
            // The implicit transaction of the messages since the last Sync ends.
            endImplicitTransaction()
            appendReadyForQuery(into: &replies)
        case .functionCall:
            // Like PostgreSQL after a failed function call: the error, then ReadyForQuery.
            let error = QuerySessionError.unsupported(message.typeName).diagnostic
            failTransaction()
            replies.append(.errorResponse(error))
            appendReadyForQuery(into: &replies)
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
            if !pendingQueryHadStatement {
                // As PostgreSQL: a query of several statements runs them in one implicit transaction block (text
                // that is only comments is none).
                var rest = scanner
                queryIsImplicitBlock = false
                while let next = rest.next() {
                    if next.hasPrefix("--") || next.hasPrefix("/*"), case .empty? = (try? SQLParser.parse(next))?.kind {
                        continue
                    }
                    queryIsImplicitBlock = true
                    break
                }
            }
            simpleQueryContext = (pendingQueryHadStatement, scanner)
            pendingQueryHadStatement = true
            var outcome = run(statement, parameters: [], parameterTypes: [])
            simpleQueryContext = nil
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
        // A statement alone runs in a transaction of its own (unless a block is open).
        defer {
            dropDiscardedPortals(keeping: nil)
            if suspension == nil && !queryIsImplicitBlock { endImplicitTransaction() }
        }
        let formats = simpleResultFormats
        if !formats.isEmpty { simpleResultFormats = [] }
        if outcome.resultSet != nil {
            replies.appendResult(of: outcome, formats: formats, description: true, rows: true)
            return closesConnection
        }
        let completion = complete(outcome, formats: formats)
        if let columns = outcome.resultColumns {
            replies.append(.rowDescription(Self.describe(columns, formats: formats)))
        }
        replies.append(contentsOf: completion)
        if case .errorResponse = completion.last { return true }
        return closesConnection
    }

    /// Appends the end of the pending simple query to `replies`: EmptyQueryResponse if it had no statement, and
    /// ReadyForQuery (nothing when the connection closes).
    private mutating func endSimpleQuery(into replies: inout some QueryReplySink) {
        pendingQuery = nil
        endImplicitTransaction()
        queryIsImplicitBlock = false
        guard !closesConnection else { return }
        if !pendingQueryHadStatement { replies.append(.emptyQueryResponse) }
        appendReadyForQuery(into: &replies)
    }

    /// Appends ReadyForQuery to `replies`, after the ParameterStatus of reported settings that changed back and the
    /// notifications of a transaction that ended (committed): as PostgreSQL, a backend delivers them when it is
    /// idle again, just before it reports so.
    private mutating func appendReadyForQuery(into replies: inout some QueryReplySink) {
        replies.append(contentsOf: pendingReports())
        if transactionStatus == .idle && !pendingNotifications.isEmpty {
            for notification in pendingNotifications { replies.append(.notificationResponse(notification)) }
            pendingNotifications.removeAll()
        }
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
            defer { dropDiscardedPortals(keeping: execute.portal) }
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
                responder.refuse(parse.query, syntaxError: error)
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
                // A cursor is a portal too (psycopg describes its named cursor's portal after DECLARE).
                guard let columns = cursors.columns(of: target.name) else {
                    throw .undefined(kind: "portal", name: target.name)
                }
                let formats: [FormatCode] = cursors.isBinary(target.name) ? [.binary] : []
                replies.append(.rowDescription(Self.describe(columns, formats: formats)))
                return
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
                guard cursors.contains(execute.portal) else { throw .undefined(kind: "portal", name: execute.portal) }
                try executeCursor(execute, into: &replies)
                return
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
            defer { dropDiscardedPortals(keeping: execute.portal) }
            try executeOutcome(outcome, for: execute, into: &replies)
        case .close(let target):
            if target.kind == .statement {
                statements[target.name] = nil
                statementDescriptions[target.name] = nil
            } else if portals.removeValue(forKey: target.name) == nil {
                // A cursor is a portal too.
                _ = cursors.close(target.name)
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
        // asked for (it does not look further to see whether that was the last); the next Execute continues. The
        // notices before the rows go with the first rows, once.
        var rows = 0
        for position in replies.indices {
            guard case .dataRow = replies[position] else { continue }
            rows += 1
            if execute.maxRows > 0 && rows == Int(execute.maxRows) {
                portals.values[index].progress = .remaining(replies[(position + 1)...])
                return Array(replies[...position]) + [.portalSuspended]
            }
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

    /// Execute of a cursor's portal: its next rows up to the row limit, then PortalSuspended, or `SELECT n` when
    /// they were the last, as PostgreSQL answers it.
    private mutating func executeCursor(_ execute: Execute, into replies: inout some QueryReplySink)
        throws(QuerySessionError)
    {
        let limit = execute.maxRows > 0 ? Int(execute.maxRows) : SessionCursors.all
        let outcome = cursors.fetch(execute.portal, direction: .forward, count: limit, isMove: false)
        if case .error(let diagnostic) = outcome { throw .reported(diagnostic) }
        guard let (rows, _) = outcome.resultSet else { return }
        let formats: [FormatCode] = cursors.isBinary(execute.portal) ? [.binary] : []
        let sent = Self.rowReplies(
            of: .result(columns: outcome.resultColumns ?? [], rows: rows, tag: "SELECT \(rows.count)"),
            formats: formats)
        if case .errorResponse(let diagnostic) = sent.last { throw .reported(diagnostic) }
        guard rows.count == limit else { return replies.append(contentsOf: sent) }
        replies.append(contentsOf: sent.dropLast())
        replies.append(.portalSuspended)
    }

    /// Reads or changes the portal at `index` in place: reading a portal through the dictionary's values copies it
    /// whole, which costs more than the rest of an Execute.
    private mutating func withPortal<Result>(
        at index: Dictionary<String, Portal>.Index, _ body: (inout Portal) -> Result
    ) -> Result {
        body(&portals.values[index])
    }

    /// Marks an open transaction block failed after an error (ROLLBACK ends it); outside a block the implicit
    /// transaction rolls back.
    private mutating func failTransaction() {
        switch transactionStatus {
        case .inTransaction: transactionStatus = .failed
        case .idle: rollbackTransaction()
        default: break
        }
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
        switch (try? SQLParser.parse(statement))?.kind {
        case .fetch(let name, _, _, isMove: false): return cursors.columns(of: name)
        case .fetch, .declareCursor, .closeCursor: return nil
        default: break
        }
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
        startTransactionIfNeeded()
        // A statement the parser does not cache is not parsed twice for this: such a long one reads data.
        let parsed =
            statement.utf8.count <= SQLParser.longestCachedStatement ? try? SQLParser.parse(statement) : nil
        if parsed == nil { transaction.hasTakenSnapshot = true }
        if let parsed {
            if let command = parsed.transactionBlockRefusal, isInTransactionBlock {
                return .error(
                    DiagnosticMessage(
                        severity: "ERROR", sqlState: "25001",
                        message: "\(command) cannot run inside a transaction block"))
            }
            if Self.takesSnapshot(parsed.kind) { transaction.hasTakenSnapshot = true }
        }
        // A long statement is parsed (once) only now, for the commands below.
        let statementParsed = parsed ?? (try? SQLParser.parse(statement))
        if let statementParsed, let outcome = runPreparedStatementCommand(statementParsed, statement) { return outcome }
        let kind = statementParsed?.kind
        if let kind, let outcome = runCursorCommand(kind, statement, parameters: parameters, types: parameterTypes) {
            return outcome
        }
        var outcome = responder.outcome(
            of: statement, parameters: parameters, parameterTypes: parameterTypes, settings: settings)
        if let parsed {
            applySettingFunctions(of: parsed, parameters: parameters, parameterTypes: parameterTypes, outcome: outcome)
        }
        if let kind { outcome = listen(kind, answered: outcome) }
        // Sent in the client's encoding.
        return clientEncoding.map { $0.encode(outcome) } ?? outcome
    }

    /// LISTEN and UNLISTEN change the channels the session listens to, and a NOTIFY on one of them reaches the
    /// session (at its commit), as in PostgreSQL; `outcome` is what answered the statement (`kind`), unless it failed.
    private mutating func listen(_ kind: StatementKind, answered outcome: QueryOutcome) -> QueryOutcome {
        switch kind {
        case .listen(let channel):
            listeningChannels.insert(channel)
        case .unlisten(let channel?):
            listeningChannels.remove(channel)
        case .unlisten(nil):
            listeningChannels.removeAll()
        case .notify(let channel, let payload) where listeningChannels.contains(channel):
            if case .error = outcome { return outcome }
            // From the session's process ID (``complete(_:formats:)`` puts it in), else pgw's.
            let notification = NotificationResponse(processID: Int32(getpid()), channel: channel, payload: payload)
            return .notifying([notification], after: outcome)
        default:
            break
        }
        return outcome
    }

    /// The answer to DECLARE … CURSOR (whose query is answered as the statement alone would be), FETCH, MOVE and
    /// CLOSE, from the session's cursors as PostgreSQL answers them; `nil` for other statements. The responder
    /// takes each as answered by the session (``QueryResponder/sessionAnswered(_:parameters:)``), a DECLARE before
    /// its query.
    private mutating func runCursorCommand(
        _ kind: StatementKind, _ statement: String, parameters: [String?], types: [UInt32]
    ) -> QueryOutcome? {
        switch kind {
        case .declareCursor(let name, let options):
            let inBlock =
                transactionStatus != .idle
                || simpleQueryContext.map { context in
                    var rest = context.rest
                    return context.hadEarlier || rest.next() != nil
                } ?? false
            let refusal: QueryOutcome? =
                if !options.isHoldable && !inBlock {
                    .error(
                        DiagnosticMessage(
                            severity: "ERROR", sqlState: "25P01",
                            message: "DECLARE CURSOR can only be used in transaction blocks"))
                } else if cursors.contains(name) {
                    // Checked before the query runs (and uses a rule): 42P03.
                    cursors.declare(name, options: options, columns: [], rows: [])
                } else {
                    nil
                }
            let query = Self.cursorQuery(in: statement)
            // Without its query (not found) the whole DECLARE is asked of the responder.
            guard refusal != nil || query != nil else { return nil }
            responder.sessionAnswered(statement, parameters: parameters)
            guard let query, refusal == nil else { return refusal }
            return declare(name, options: options, run(query, parameters: parameters, parameterTypes: types))
        case .fetch(let name, let direction, let count, let isMove):
            responder.sessionAnswered(statement, parameters: parameters)
            let outcome = cursors.fetch(name, direction: direction, count: count, isMove: isMove)
            if !isMove && cursors.isBinary(name) && simpleQueryContext != nil { simpleResultFormats = [.binary] }
            return outcome
        case .closeCursor(let name):
            responder.sessionAnswered(statement, parameters: parameters)
            return cursors.close(name)
        default:
            return nil
        }
    }

    /// Opens cursor `name` on the rows of its query's `outcome` (none for an outcome without rows), keeping the
    /// outcome's notices, notifications, delay or closing; an error is the DECLARE's.
    private mutating func declare(_ name: String, options: SessionCursors.Options, _ outcome: QueryOutcome)
        -> QueryOutcome
    {
        switch outcome {
        case .rows, .result:
            return cursors.declare(
                name, options: options, columns: outcome.resultColumns ?? [], rows: outcome.resultSet?.rows ?? [])
        case .error:
            return outcome
        case .notices(let notices, let outcome):
            return .notices(notices, then: declare(name, options: options, outcome))
        case .notifying(let notifications, let outcome):
            return .notifying(notifications, after: declare(name, options: options, outcome))
        case .delayed(let amount, let outcome):
            return .delayed(amount, then: declare(name, options: options, outcome))
        case .closing(let outcome):
            return .closing(after: outcome.map { declare(name, options: options, $0) })
        case .command, .empty, .copyOut, .emptyCopyOut, .copyIn:
            return cursors.declare(name, options: options, columns: [], rows: [])
        }
    }

    /// The query of `DECLARE name [BINARY] [ASENSITIVE | INSENSITIVE] [[NO] SCROLL] CURSOR [{WITH | WITHOUT} HOLD]
    /// FOR query`: the text after its `FOR`; `nil` when it is not found.
    static func cursorQuery(in declare: String) -> String? {
        var rest = declare[...]
        /// Skips white space and comments, then one word or quoted name; the word, lowercased (`nil` at the end).
        func nextToken() -> String? {
            while true {
                rest = rest.drop { $0.isWhitespace }
                if rest.hasPrefix("--") {
                    rest = rest.drop { $0 != "\n" }
                } else if rest.hasPrefix("/*") {
                    // Comments nest, as in PostgreSQL.
                    var depth = 0
                    while !rest.isEmpty {
                        if rest.hasPrefix("/*") {
                            depth += 1
                            rest = rest.dropFirst(2)
                        } else if rest.hasPrefix("*/") {
                            depth -= 1
                            rest = rest.dropFirst(2)
                            if depth == 0 { break }
                        } else {
                            rest = rest.dropFirst()
                        }
                    }
                } else {
                    break
                }
            }
            guard let first = rest.first else { return nil }
            if first == "\"" {
                rest = rest.dropFirst()
                while let quote = rest.firstIndex(of: "\"") {
                    rest = rest[rest.index(after: quote)...]
                    guard rest.first == "\"" else { break }
                    rest = rest.dropFirst()
                }
                return "\""
            }
            let word = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "$" }
            rest = rest.dropFirst(max(word.count, 1))
            return word.lowercased()
        }
        guard nextToken() == "declare", nextToken() != nil else { return nil }
        while let token = nextToken() {
            if token == "for" { return String(rest).trimmingWhitespace() }
        }
        return nil
    }

    /// The answer to PREPARE, EXECUTE and DEALLOCATE, which keep their statements among the protocol's prepared
    /// statements as PostgreSQL does (a Parse may bind what PREPARE made); `nil` for other statements, and for an
    /// EXECUTE whose values are not constants (the responder answers it).
    private mutating func runPreparedStatementCommand(_ parsed: ParsedStatement, _ statement: String) -> QueryOutcome? {
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
            do throws(QuerySessionError) {
                warning = try apply(effect, tag: &tag, into: &replies)
            } catch {
                failTransaction()
                return [.errorResponse(error.diagnostic)]
            }
            return [warning, .commandComplete(CommandComplete(tag: tag))].compactMap { $0 } + replies
        case .empty:
            return [.emptyQueryResponse]
        case .error(let diagnostic):
            failTransaction()
            // As PostgreSQL: a FATAL or PANIC error ends the session once it is sent.
            if diagnostic.severity == "FATAL" || diagnostic.severity == "PANIC" { closesConnection = true }
            return [.errorResponse(diagnostic)]
        case .notices(let notices, let outcome):
            return notices.map { .noticeResponse($0) } + complete(outcome, formats: formats)
        case .notifying(let notifications, let outcome):
            // Sent as by the session's backend, whose process ID the client knows from BackendKeyData, once its
            // transaction commits (before the ReadyForQuery that follows).
            let processID = settings[ServerSettings.processIDKey].flatMap { Int32($0) }
            let replies = complete(outcome, formats: formats)
            if !Self.isError(replies.last) {
                pendingNotifications += notifications.map { notification in
                    var notification = notification
                    notification.processID = processID ?? notification.processID
                    return notification
                }
            }
            return replies
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
        case .emptyCopyOut(let columns, let format, let delimiter):
            var data: [BackendMessage] = []
            if let header = Self.copyHeader(columns, format: format, delimiter: delimiter) {
                data.append(.copyData(CopyData(data: header)))
            }
            return [
                .copyOutResponse(
                    CopyResponse(
                        format: format.isBinary ? 1 : 0,
                        columnFormats: Array(repeating: format.isBinary ? .binary : .text, count: columns.count)))
            ] + data + [.copyDone, .commandComplete(CommandComplete(tag: "COPY 0"))]
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

    /// What COPY TO writes before its rows: the binary format's signature, flags and header extension (with the
    /// trailer, for no rows), or a `HEADER` line of the column names (quoted as CSV or escaped as text, as
    /// PostgreSQL writes them); `nil` for none.
    static func copyHeader(_ columns: [String], format: CopyFormat, delimiter: String?) -> ByteBuffer? {
        switch format {
        case .binary:
            var bytes = ByteBuffer(bytes: Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00])
            bytes.writeInteger(UInt32(0))
            bytes.writeInteger(UInt32(0))
            bytes.writeInteger(Int16(-1))
            return bytes
        case .text(header: true) where !columns.isEmpty:
            let names = columns.map { name in
                var escaped = ""
                for character in name {
                    switch character {
                    case "\\": escaped += "\\\\"
                    case "\t": escaped += "\\t"
                    case "\n": escaped += "\\n"
                    case "\r": escaped += "\\r"
                    default: escaped.append(character)
                    }
                }
                return escaped
            }
            return ByteBuffer(string: names.joined(separator: delimiter ?? "\t") + "\n")
        case .csv(header: true, let quote, let escape) where !columns.isEmpty:
            let separator = delimiter ?? ","
            let (quote, escape) = (Character(UnicodeScalar(quote)), Character(UnicodeScalar(escape)))
            let names = columns.map { name in
                // Quoted when empty (not NULL) or holding the delimiter, the quote or a line break; inside, the
                // quote and the escape are escaped.
                let needsQuotes =
                    name.isEmpty || name.contains(separator) || name.contains(quote)
                    || name.contains(where: { $0 == "\n" || $0 == "\r" })
                guard needsQuotes else { return name }
                var quoted = String(quote)
                for character in name {
                    if character == quote || character == escape { quoted.append(escape) }
                    quoted.append(character)
                }
                return quoted + String(quote)
            }
            return ByteBuffer(string: names.joined(separator: separator) + "\n")
        default:
            return nil
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

    // MARK: Transactions and settings

    /// Whether the statement runs in a transaction block: an explicit one (BEGIN) or the implicit one of a simple
    /// query of several statements.
    private var isInTransactionBlock: Bool { transactionStatus != .idle || queryIsImplicitBlock }

    /// Starts the transaction the statement runs in when none is in progress (PostgreSQL's implicit one).
    private mutating func startTransactionIfNeeded() {
        if !transaction.isInProgress { transaction.startSettings = settings }
    }

    /// Ends the implicit transaction, outside a transaction block: what SET LOCAL changed goes back.
    private mutating func endImplicitTransaction() {
        guard transactionStatus == .idle, transaction.isInProgress else { return }
        commitTransaction()
    }

    /// Ends the transaction as COMMIT does: what SET LOCAL changed (and the transaction's characteristics) goes back,
    /// its cursors close (not those WITH HOLD).
    private mutating func commitTransaction() {
        cursors.endTransaction()
        let kept = transaction.sessionSettings
        transaction = SessionTransaction()
        if let kept { restoreSettings(kept) }
    }

    /// Ends the transaction as ROLLBACK does: every setting goes back to its value before the transaction, its
    /// notifications and the cursors it declared are gone (WITH HOLD too), and its other cursors close.
    private mutating func rollbackTransaction() {
        pendingNotifications.removeAll()
        cursors.rollBack()
        cursors.endTransaction()
        let start = transaction.startSettings
        transaction = SessionTransaction()
        if let start, transactionStatus != .idle || start != settings { restoreSettings(start) }
    }

    /// Puts the settings back to `restored`; the reported ones that change are reported before ReadyForQuery.
    private mutating func restoreSettings(_ restored: [String: String]) {
        settings = restored
        needsReport = true
    }

    /// ParameterStatus for each reported setting whose value is not the one the client was last told, as
    /// PostgreSQL reports before ReadyForQuery.
    private mutating func pendingReports() -> [BackendMessage] {
        guard needsReport else { return [] }
        needsReport = false
        var reports: [BackendMessage] = []
        for name in ServerSettings.reported.sorted() {
            let canonical = ServerSettings.canonicalName(name, in: settings)
            guard let value = settings[canonical], reportedValues[canonical] != value else { continue }
            reportedValues[canonical] = value
            reports.append(.parameterStatus(ParameterStatus(name: canonical, value: value)))
        }
        return reports
    }

    /// Drops every portal but `portal` after DISCARD ALL ran.
    private mutating func dropDiscardedPortals(keeping portal: String?) {
        guard discardsPortals else { return }
        discardsPortals = false
        portals = portals.filter { $0.key == portal }
    }

    /// Whether PostgreSQL takes a snapshot to run a statement of this kind (after which its transaction's isolation
    /// level and read-write mode are fixed): all but transaction control, SET, SHOW and a few others
    /// (`PlannedStmtRequiresSnapshot`).
    private static func takesSnapshot(_ kind: StatementKind) -> Bool {
        switch kind {
        case .transaction, .set, .setMany, .setTransaction, .setConstraints, .reset, .resetAll, .show, .empty: false
        case .other(let tag):
            !["LOCK TABLE", "LISTEN", "NOTIFY", "UNLISTEN", "FETCH", "MOVE", "CHECKPOINT"].contains(tag)
        default: true
        }
    }

    /// Does what a command's `effect` does to the session, as PostgreSQL: appends ParameterStatus for reported
    /// settings that change to `replies`, makes the tag `ROLLBACK` for a COMMIT of a failed transaction; the
    /// warning it gives, or PostgreSQL's error.
    private mutating func apply(
        _ effect: QueryOutcome.SessionEffect, tag: inout String, into replies: inout [BackendMessage]
    ) throws(QuerySessionError) -> BackendMessage? {
        func error(_ code: String, _ message: String) -> QuerySessionError {
            .reported(DiagnosticMessage(severity: "ERROR", sqlState: code, message: message))
        }
        let isBlock = transactionStatus != .idle
        switch effect {
        case .none:
            return nil
        case .beginTransaction(let characteristics):
            var warning: BackendMessage?
            if isBlock {
                warning = Self.warning("25001", "there is already a transaction in progress")
            } else {
                startTransactionIfNeeded()
                transactionStatus = .inTransaction
            }
            replies += try setSettings(characteristics, isLocal: true)
            return warning
        case .commit(let chain), .rollback(let chain):
            let isCommit = if case .commit = effect { true } else { false }
            guard isBlock else {
                if chain {
                    throw error(
                        "25P01", "\(isCommit ? "COMMIT" : "ROLLBACK") AND CHAIN can only be used in transaction blocks")
                }
                return Self.warning("25P01", "there is no transaction in progress")
            }
            var characteristics: [String: String] = [:]
            for name in ServerSettings.transactionCharacteristics { characteristics[name] = settings[name] }
            if isCommit && transactionStatus != .failed {
                commitTransaction()
            } else {
                if isCommit { tag = "ROLLBACK" }
                rollbackTransaction()
            }
            transactionStatus = .idle
            if chain {
                // A transaction of the same characteristics.
                startTransactionIfNeeded()
                transactionStatus = .inTransaction
                replies += try setSettings(characteristics, isLocal: true)
            }
            return nil
        case .savepoint(let name):
            guard isBlock else { throw error("25P01", "SAVEPOINT can only be used in transaction blocks") }
            transaction.savepoints.append(
                SessionTransaction.Savepoint(
                    name: name, settings: settings, sessionSettings: transaction.sessionSettings))
            return nil
        case .releaseSavepoint(let name):
            guard isBlock else { throw error("25P01", "RELEASE SAVEPOINT can only be used in transaction blocks") }
            guard let index = transaction.index(ofSavepoint: name) else {
                throw error("3B001", "savepoint \"\(name)\" does not exist")
            }
            transaction.savepoints.removeSubrange(index...)
            return nil
        case .rollbackToSavepoint(let name):
            guard isBlock else { throw error("25P01", "ROLLBACK TO SAVEPOINT can only be used in transaction blocks") }
            guard let index = transaction.index(ofSavepoint: name) else {
                throw error("3B001", "savepoint \"\(name)\" does not exist")
            }
            // The savepoint stays; those after it go, and the settings are as they were when it was made.
            let savepoint = transaction.savepoints[index]
            transaction.savepoints.removeSubrange((index + 1)...)
            transaction.sessionSettings = savepoint.sessionSettings
            restoreSettings(savepoint.settings)
            transactionStatus = .inTransaction
            return nil
        case .set(let changes):
            replies += try setSettings(changes, isLocal: false)
            return nil
        case .setLocal(let changes):
            replies += try setSettings(changes, isLocal: true)
            return isInTransactionBlock
                ? nil : Self.warning("25P01", "SET LOCAL can only be used in transaction blocks")
        case .setTransaction(let changes):
            replies += try setSettings(changes, isLocal: true)
            return isInTransactionBlock
                ? nil : Self.warning("25P01", "SET TRANSACTION can only be used in transaction blocks")
        case .setConstraints:
            return isInTransactionBlock
                ? nil : Self.warning("25P01", "SET CONSTRAINTS can only be used in transaction blocks")
        case .reset(let name):
            _ = try ServerSettings.checkedName(name, in: settings)
            let canonical = ServerSettings.canonicalName(name, in: settings)
            replies += setSetting(canonical, to: initialSettings[canonical], isLocal: false)
            return nil
        case .resetAll, .discardAll:
            for name in Set(settings.keys).union(initialSettings.keys).sorted()
            where !ServerSettings.transactionCharacteristics.contains(name) {
                replies += setSetting(name, to: initialSettings[name], isLocal: false)
            }
            if effect == .discardAll {
                // As PostgreSQL: the prepared statements (not the unnamed one) and the portals go too.
                statements = statements.filter { $0.key.isEmpty }
                statementDescriptions = statementDescriptions.filter { $0.key.isEmpty }
                discardsPortals = true
            }
            return nil
        }
    }

    /// Validates every change (PostgreSQL refuses a SET whole), then makes them, for the session or (`isLocal`)
    /// the transaction; the ParameterStatus of reported settings that changed.
    private mutating func setSettings(_ changes: [String: String], isLocal: Bool) throws(QuerySessionError)
        -> [BackendMessage]
    {
        var accepted: [(name: String, value: String)] = []
        for (name, value) in changes.sorted(by: { $0.key < $1.key }) {
            let value = try ServerSettings.validated(name, value, in: settings)
            if let refusal = characteristicRefusal(name.lowercased(), value) { throw .reported(refusal) }
            accepted.append((name, value))
        }
        var replies: [BackendMessage] = []
        for (name, value) in accepted { replies += setSetting(name, to: value, isLocal: isLocal) }
        return replies
    }

    /// Sets (or with `nil` removes) a setting for the session or (`isLocal`) until the transaction ends, as
    /// PostgreSQL's GUC nesting does; a transaction's characteristics change for the transaction only, and a
    /// `default_transaction_…` setting gives the transactions to come theirs. A reported one whose value changes is
    /// reported with ParameterStatus (not when `reporting` is false: before ReadyForQuery).
    private mutating func setSetting(_ name: String, to value: String?, isLocal: Bool, reporting: Bool = true)
        -> [BackendMessage]
    {
        startTransactionIfNeeded()
        let canonical = ServerSettings.canonicalName(name, in: settings)
        let lowercased = canonical.lowercased()
        if isLocal || ServerSettings.transactionCharacteristics.contains(lowercased) {
            // The value after the transaction is the one before the change.
            if transaction.sessionSettings == nil { transaction.sessionSettings = settings }
        } else if lowercased.hasPrefix("default_transaction_") {
            if transaction.sessionSettings == nil { transaction.sessionSettings = settings }
            transaction.sessionSettings?[canonical] = value
            transaction.sessionSettings?[String(lowercased.dropFirst("default_".count))] = value
        } else {
            transaction.sessionSettings?[canonical] = value
        }
        guard reporting else {
            settings[canonical] = value
            needsReport = true
            return []
        }
        return change(canonical, to: value)
    }

    /// PostgreSQL's error for changing a transaction characteristic to `value` now (after the transaction's first
    /// query, or in a savepoint); `nil` when it may change, and for other settings.
    private func characteristicRefusal(_ name: String, _ value: String) -> DiagnosticMessage? {
        func refusal(_ message: String) -> DiagnosticMessage {
            DiagnosticMessage(severity: "ERROR", sqlState: "25001", message: message)
        }
        switch name {
        case "transaction_isolation":
            guard value != settings[name] else { return nil }
            if transaction.hasTakenSnapshot {
                return refusal("SET TRANSACTION ISOLATION LEVEL must be called before any query")
            }
            if transaction.isSubtransaction {
                return refusal("SET TRANSACTION ISOLATION LEVEL must not be called in a subtransaction")
            }
        case "transaction_read_only":
            guard value == "off", settings[name] == "on" else { return nil }
            if transaction.isSubtransaction {
                return refusal("cannot set transaction read-write mode inside a read-only transaction")
            }
            if transaction.hasTakenSnapshot {
                return refusal("transaction read-write mode must be set before any query")
            }
        case "transaction_deferrable":
            if transaction.isSubtransaction {
                return refusal("SET TRANSACTION [NOT] DEFERRABLE cannot be called within a subtransaction")
            }
            if transaction.hasTakenSnapshot {
                return refusal("SET TRANSACTION [NOT] DEFERRABLE must be called before any query")
            }
        default:
            break
        }
        return nil
    }

    /// Changes the settings the `set_config(name, value, is_local)` calls of a SELECT's select list change, as
    /// PostgreSQL's function does (also when a script rule answers the SELECT), unless the statement failed; the
    /// reported ones that change are reported before ReadyForQuery.
    private mutating func applySettingFunctions(
        of parsed: ParsedStatement, parameters: [String?], parameterTypes: [UInt32], outcome: QueryOutcome
    ) {
        guard case .select(let targets, _, hasFrom: false, _) = parsed.kind,
            targets.contains(where: {
                if case .function("set_config", let arguments) = $0.expression { arguments.count == 3 } else { false }
            })
        else {
            return
        }
        if case .error = outcome { return }
        let evaluator = ConstantEvaluator(
            settings: settings, parameters: parameters, parameterTypes: parameterTypes, serverVersion: "")
        for target in targets {
            guard case .function("set_config", let arguments) = target.expression, arguments.count == 3,
                let name = try? evaluator.evaluate(arguments[0]).text,
                let value = try? evaluator.evaluate(arguments[1]).text,
                let isLocal = try? evaluator.evaluate(arguments[2]).text,
                let validated = try? ServerSettings.validated(name, value, in: settings),
                characteristicRefusal(name.lowercased(), validated) == nil
            else {
                continue
            }
            _ = setSetting(name, to: validated, isLocal: isLocal == "t", reporting: false)
        }
    }

    /// Sets (or with `nil` removes) a setting; a reported one whose value changes is reported with ParameterStatus.
    private mutating func change(_ name: String, to value: String?) -> [BackendMessage] {
        let canonical = ServerSettings.canonicalName(name, in: settings)
        guard settings[canonical] != value else { return [] }
        settings[canonical] = value
        guard let value, ServerSettings.reported.contains(canonical) else { return [] }
        reportedValues[canonical] = value
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
