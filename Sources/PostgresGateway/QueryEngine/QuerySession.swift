import NIOCore
import PostgresWire

/// Serves the simple and extended query protocols for a mock server, asking a ``QueryResponder`` what each
/// statement produces. Pure: client messages in, server messages out.
///
/// It tracks the transaction status (a failed transaction answers 25P02 until ROLLBACK), the settings (SET, RESET,
/// with ParameterStatus for reported ones), prepared statements and portals, and after an error in the extended
/// protocol skips messages until Sync, as PostgreSQL does. Parameter types come from the client or from casts in
/// the statement (`$1::int`); result values are sent in text format.
public struct QuerySession: Sendable {
    private struct Portal: Sendable {
        var statement: Parse
        var parameters: [String?]
        var resultFormats: [FormatCode]
        /// The replies not sent yet when an Execute with a row limit suspended the portal (rows, then
        /// CommandComplete); `nil` before the first Execute.
        var remainingReplies: ArraySlice<BackendMessage>?
    }

    /// The status reported in ReadyForQuery.
    public private(set) var transactionStatus = TransactionStatus.idle
    /// The session's settings: server defaults, the reported parameters, the client's startup parameters, then
    /// every SET.
    public private(set) var settings: [String: String]
    /// The settings at the start, which RESET returns to.
    private let initialSettings: [String: String]
    private let responder: any QueryResponder
    private var statements: [String: Parse] = [:]
    private var portals: [String: Portal] = [:]
    private var isSkippingUntilSync = false

    /// Creates a session; `settings` are the client's startup parameters and `reportedParameters` what the server
    /// reported in ParameterStatus at startup.
    public init(
        responder: any QueryResponder, settings: [String: String] = [:],
        reportedParameters: [(name: String, value: String)] = []
    ) {
        self.responder = responder
        self.settings = ServerSettings.initial(reported: reportedParameters, startup: settings)
        self.initialSettings = self.settings
    }

    /// The simple query being answered, when ``continueSimpleQuery(maximumStatements:)`` has statements left.
    private var pendingQuery: StatementScanner?
    /// Whether the pending simple query has produced a statement yet (none means EmptyQueryResponse).
    private var pendingQueryHadStatement = false

    /// Whether a simple query is being answered in steps (see ``startSimpleQuery(_:)``).
    public var isAnsweringSimpleQuery: Bool { pendingQuery != nil }

    /// The server's answer to one client message; a Query is answered whole.
    public mutating func handle(_ message: FrontendMessage) -> [BackendMessage] {
        switch message {
        case .query(let query):
            startSimpleQuery(query.text)
            var replies: [BackendMessage] = []
            while isAnsweringSimpleQuery { replies += continueSimpleQuery(maximumStatements: .max) }
            return replies
        case .sync:
            isSkippingUntilSync = false
            return [.readyForQuery(transactionStatus)]
        case .functionCall:
            // Like PostgreSQL after a failed function call: the error, then ReadyForQuery.
            let error = QuerySessionError.unsupported(message.typeName).diagnostic
            if transactionStatus == .inTransaction { transactionStatus = .failed }
            return [.errorResponse(error), .readyForQuery(transactionStatus)]
        case .flush, .copyData, .copyDone, .terminate:
            return []
        default:
            guard !isSkippingUntilSync else { return [] }
            do {
                return try extendedQuery(message)
            } catch {
                isSkippingUntilSync = true
                return [.errorResponse(error.diagnostic)]
            }
        }
    }

    // MARK: Simple query

    /// Starts answering a simple query; get the replies with ``continueSimpleQuery(maximumStatements:)`` until
    /// ``isAnsweringSimpleQuery`` is false, so a query of many statements can be answered in bounded steps.
    public mutating func startSimpleQuery(_ text: String) {
        pendingQuery = StatementScanner(text)
        pendingQueryHadStatement = false
    }

    /// The replies to at most `maximumStatements` more statements of the query begun with
    /// ``startSimpleQuery(_:)``; the last step ends with ReadyForQuery.
    public mutating func continueSimpleQuery(maximumStatements: Int) -> [BackendMessage] {
        guard var scanner = pendingQuery else { return [] }
        var replies: [BackendMessage] = []
        var answered = 0
        var finished = false
        while answered < maximumStatements {
            guard let statement = scanner.next() else {
                finished = true
                break
            }
            answered += 1
            pendingQueryHadStatement = true
            var outcome = run(statement, parameters: [])
            if case .error(var diagnostic) = outcome, diagnostic.sqlState == "42601",
                let index = diagnostic.fields.firstIndex(where: { $0.code == .position }),
                let position = Int(diagnostic.fields[index].value)
            {
                // The position counts from the start of the whole query string, as in PostgreSQL.
                diagnostic.fields[index].value = String(position + scanner.lastStatementCharacterOffset)
                outcome = .error(diagnostic)
            }
            if let columns = outcome.resultColumns {
                replies.append(.rowDescription(Self.describe(columns, formats: [])))
            }
            let completion = complete(outcome, formats: [])
            replies += completion
            if case .errorResponse = completion.last {
                finished = true
                break
            }
        }
        if !finished && !scanner.hasMore { finished = true }
        guard finished else {
            pendingQuery = scanner
            return replies
        }
        pendingQuery = nil
        if !pendingQueryHadStatement { replies.append(.emptyQueryResponse) }
        return replies + [.readyForQuery(transactionStatus)]
    }

    /// Splits a simple query into statements as PostgreSQL's lexer does (see ``StatementScanner``).
    public static func splitStatements(_ text: String) -> [String] {
        StatementScanner.statements(in: text)
    }

    // MARK: Extended query

    private mutating func extendedQuery(_ message: FrontendMessage) throws(QuerySessionError) -> [BackendMessage] {
        switch message {
        case .parse(var parse):
            let parsed: ParsedStatement
            do {
                parsed = try SQLParser.parse(parse.query)
            } catch {
                throw .reported(error.diagnostic())
            }
            // Unspecified parameter types become the casts' types (`$1::int`), else text, as Describe reports them
            // and as Bind decodes binary values.
            let count = max(parse.parameterTypes.count, parsed.highestParameter)
            parse.parameterTypes = (0..<count).map { index in
                index < parse.parameterTypes.count && parse.parameterTypes[index] != 0
                    ? parse.parameterTypes[index] : parsed.castParameterTypes[index + 1]?.oid ?? PostgresType.text.oid
            }
            statements[parse.name] = parse
            return [.parseComplete]
        case .bind(let bind):
            guard let statement = statements[bind.statement] else {
                throw .undefined(kind: "prepared statement", name: bind.statement)
            }
            let parameters = bind.parameters.enumerated().map { index, value in
                value.map {
                    ParameterText.text(
                        of: $0, format: bind.parameterFormats.code(at: index), type: statement.parameterType(at: index))
                }
            }
            portals[bind.portal] = Portal(
                statement: statement, parameters: parameters, resultFormats: bind.resultFormats)
            return [.bindComplete]
        case .describe(let target) where target.kind == .statement:
            guard let statement = statements[target.name] else {
                throw .undefined(kind: "prepared statement", name: target.name)
            }
            return [
                .parameterDescription(ParameterDescription(parameterTypes: statement.parameterTypes)),
                description(of: statement.query, formats: []),
            ]
        case .describe(let target):
            guard var portal = portals[target.name] else { throw .undefined(kind: "portal", name: target.name) }
            guard portal.remainingReplies == nil else {
                return [description(of: portal.statement.query, formats: portal.resultFormats)]
            }
            // The portal's parameters are bound: run it now, so that the description is the result's and the
            // statement runs once (the Execute that follows sends these replies).
            let outcome = run(portal.statement.query, parameters: portal.parameters)
            portal.remainingReplies = complete(outcome, formats: portal.resultFormats)[...]
            portals[target.name] = portal
            guard let columns = outcome.resultColumns else { return [.noData] }
            return [.rowDescription(Self.describe(columns, formats: portal.resultFormats))]
        case .execute(let execute):
            guard var portal = portals[execute.portal] else { throw .undefined(kind: "portal", name: execute.portal) }
            var replies =
                portal.remainingReplies
                ?? complete(run(portal.statement.query, parameters: portal.parameters), formats: portal.resultFormats)[
                    ...]
            if case .errorResponse(let diagnostic) = replies.last { throw .reported(diagnostic) }
            // A row limit sends that many rows and PortalSuspended; the next Execute continues.
            let rows = replies.prefix { if case .dataRow = $0 { true } else { false } }.count
            if execute.maxRows > 0 && rows > Int(execute.maxRows) {
                let sent = replies.prefix(Int(execute.maxRows))
                replies = replies.dropFirst(Int(execute.maxRows))
                portal.remainingReplies = replies
                portals[execute.portal] = portal
                return Array(sent) + [.portalSuspended]
            }
            portal.remainingReplies = [.commandComplete(CommandComplete(tag: Self.tag(afterRows: replies.last)))]
            portals[execute.portal] = portal
            return Array(replies)
        case .close(let target):
            if target.kind == .statement {
                statements[target.name] = nil
            } else {
                portals[target.name] = nil
            }
            return [.closeComplete]
        default:
            throw .unsupported(message.typeName)
        }
    }

    private func description(of query: String, formats: [FormatCode]) -> BackendMessage {
        let statements = Self.splitStatements(query)
        guard statements.count <= 1,
            let columns = responder.resultColumns(of: statements.first ?? "", settings: settings)
        else {
            return .noData
        }
        return .rowDescription(Self.describe(columns, formats: formats))
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

    private func run(_ statement: String, parameters: [String?]) -> QueryOutcome {
        if transactionStatus == .failed {
            let endsFailure: Bool
            switch (try? SQLParser.parse(statement))?.kind {
            case .transaction(.rollback), .transaction(.commit), .transaction(.rollbackToSavepoint): endsFailure = true
            default: endsFailure = false
            }
            if !endsFailure {
                return .error(
                    DiagnosticMessage(
                        severity: "ERROR",
                        sqlState: "25P02",
                        message: "current transaction is aborted, commands ignored until end of transaction block"
                    )
                )
            }
        }
        return responder.outcome(of: statement, parameters: parameters, settings: settings)
    }

    /// The messages after the RowDescription: rows (in the result `formats` the client asked for, where the
    /// type can be sent in binary) and CommandComplete, or the error; applies the effect.
    private mutating func complete(_ outcome: QueryOutcome, formats: [FormatCode]) -> [BackendMessage] {
        switch outcome {
        case .rows(_, let rows, let tag), .result(_, let rows, let tag):
            let columns = outcome.resultColumns ?? []
            let binary = columns.indices.map { Self.sendsBinary(columns[$0], requested: formats.code(at: $0)) }
            return rows.map { row in
                .dataRow(
                    DataRow(
                        columns: row.enumerated().map { index, value in
                            value.map { text in
                                guard index < binary.count, binary[index] else { return ByteBuffer(string: text) }
                                return BinaryValueEncoder.encode(text, type: columns[index].type.oid)
                                    ?? ByteBuffer(string: text)
                            }
                        }))
            } + [.commandComplete(CommandComplete(tag: tag))]
        case .command(var tag, let effect):
            var replies: [BackendMessage] = []
            switch effect {
            case .none: break
            case .beginTransaction: if transactionStatus == .idle { transactionStatus = .inTransaction }
            case .commit:
                if transactionStatus == .failed { tag = "ROLLBACK" }
                transactionStatus = .idle
            case .rollback: transactionStatus = .idle
            case .rollbackToSavepoint: if transactionStatus == .failed { transactionStatus = .inTransaction }
            case .set(let changes):
                for (name, value) in changes.sorted(by: { $0.key < $1.key }) { replies += change(name, to: value) }
            case .reset(let name):
                let canonical = ServerSettings.canonicalName(name, in: settings)
                replies += change(canonical, to: initialSettings[canonical])
            case .resetAll:
                for name in Set(settings.keys).union(initialSettings.keys).sorted() {
                    replies += change(name, to: initialSettings[name])
                }
            }
            return [.commandComplete(CommandComplete(tag: tag))] + replies
        case .empty:
            return [.emptyQueryResponse]
        case .error(let diagnostic):
            if transactionStatus == .inTransaction { transactionStatus = .failed }
            return [.errorResponse(diagnostic)]
        case .notices(let notices, let outcome):
            return notices.map { .noticeResponse($0) } + complete(outcome, formats: formats)
        case .notifying(let notifications, let outcome):
            return complete(outcome, formats: formats) + notifications.map { .notificationResponse($0) }
        case .copyOut(let text):
            // As PostgreSQL: CopyOutResponse (text, one format per column), the data, CopyDone, "COPY rows".
            let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
            let columns = lines.first.map { $0.split(separator: "\t", omittingEmptySubsequences: false).count } ?? 0
            return [
                .copyOutResponse(CopyResponse(format: 0, columnFormats: Array(repeating: .text, count: columns))),
                .copyData(CopyData(data: ByteBuffer(string: text))), .copyDone,
                .commandComplete(CommandComplete(tag: "COPY \(lines.count)")),
            ]
        }
    }

    /// The tag of an Execute of a portal that already completed: its command tag with no more rows (PostgreSQL
    /// answers `SELECT 0`).
    private static func tag(afterRows last: BackendMessage?) -> String {
        guard case .commandComplete(let complete) = last else { return "SELECT 0" }
        return complete.tag.hasPrefix("SELECT") ? "SELECT 0" : complete.tag
    }

    /// Sets (or with `nil` removes) a setting; a reported one whose value changes is reported with ParameterStatus.
    private mutating func change(_ name: String, to value: String?) -> [BackendMessage] {
        let canonical = ServerSettings.canonicalName(name, in: settings)
        guard settings[canonical] != value else { return [] }
        settings[canonical] = value
        guard let value, ServerSettings.reported.contains(canonical) else { return [] }
        return [.parameterStatus(ParameterStatus(name: canonical, value: value))]
    }

    static func describe(_ columns: [ResultColumn], formats: [FormatCode]) -> RowDescription {
        RowDescription(
            columns: columns.enumerated().map { index, column in
                RowDescription.Column(
                    name: column.name, dataTypeOID: column.type.oid,
                    format: sendsBinary(column, requested: formats.code(at: index)) ? .binary : .text)
            }
        )
    }

    /// Whether a column goes out in binary: when the client asks for it and the type has a binary encoder.
    static func sendsBinary(_ column: ResultColumn, requested: FormatCode) -> Bool {
        requested == .binary && BinaryValueEncoder.supportedTypes.contains(column.type.oid)
    }
}
