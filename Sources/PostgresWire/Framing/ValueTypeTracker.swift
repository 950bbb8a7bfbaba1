import NIOCore

/// Follows a connection's prepared statements and portals to know the types of its Bind parameters and DataRow
/// columns, for ``SessionDecoder`` and the proxy's log: Parse and ParameterDescription give a statement's parameter
/// types, a RowDescription (answering Describe or a Query) its columns, Bind's format codes the formats.
///
/// The server answers the extended-protocol messages in the order they were sent, so the messages awaiting an
/// answer are queued, and each reply is matched with the oldest (an ErrorResponse skips the rest up to Sync). The
/// client's messages may be decoded well ahead of the answers (a pipeline): each Bind makes a new binding of its
/// portal, which the Describe and Execute messages after it refer to, and a portal bound to a statement not yet
/// described takes its columns when its rows come, from the statement as it was bound (each Parse is a new
/// generation; a statement parsed again since gives no types). Memory is bounded: past ``limit`` statements,
/// portals or unanswered messages, what is known is dropped and the values concerned are shown raw.
public struct ValueTypeTracker: Sendable {
    /// A frontend message waiting for the server's answer.
    private enum Pending: Sendable {
        case parse, bind, close, sync, query, other
        case describeStatement(String, generation: Int)
        /// A Describe or Execute of the portal binding numbered so.
        case describePortal(binding: Int)
        case execute(binding: Int)
    }

    /// A prepared statement's parameter types and, once described, its result columns (formats not yet known).
    private struct Statement: Sendable {
        var parameterTypes: [UInt32]
        var columns: [UInt32]?
        /// Which Parse this is.
        var generation: Int
    }

    /// A portal's result columns: known (a Describe of the portal), or to be taken from its statement.
    private enum Portal: Sendable {
        case columns([ValueType])
        case statement(String, generation: Int, resultFormats: [FormatCode])
    }

    /// The most statements, portals and unanswered messages kept.
    static let limit = 10_000

    /// The prepared statements by name.
    private var statements: [String: Statement] = [:]
    /// The number of the last Parse or Bind (statement generations and portal bindings).
    private var generations = 0
    /// The current binding of each portal name.
    private var portals: [String: Int] = [:]
    /// What each binding's rows are, by binding number; old ones are kept while messages may refer to them.
    private var bindings: [Int: Portal] = [:]
    /// The client's messages still waiting for an answer, oldest first.
    private var pending = CircularBuffer<Pending>()
    /// The columns of the last RowDescription that did not answer a Describe (a simple Query's result).
    private var resultColumns: [ValueType]?

    /// Whether the server has said it is ready for queries: the first ReadyForQuery ends the startup, and answers
    /// none of the client's queued messages.
    private var isStarted = false

    /// A tracker for a connection from its start.
    public init() {}

    /// Forgets everything: for a stream that resumes in the middle of the session, or that skipped a message.
    public mutating func reset() {
        self = ValueTypeTracker()
        isStarted = true
    }

    /// Takes a message the client sent; returns the types of a Bind's parameters when some are binary.
    public mutating func observe(_ message: FrontendMessage) -> [ValueType]? {
        var types: [ValueType]?
        switch message {
        case .parse(let parse):
            parsed(name: parse.name, parameterTypes: parse.parameterTypes)
        case .bind(let bind):
            let statement = statements[bind.statement]
            let formats = Self.formats(bind.parameterFormats, count: bind.parameters.count)
            if formats.contains(.binary) {
                let parameterTypes = statement?.parameterTypes ?? []
                types = formats.indices.map { index in
                    ValueType(oid: index < parameterTypes.count ? parameterTypes[index] : 0, format: formats[index])
                }
            }
            bound(portal: bind.portal, statement: bind.statement, resultFormats: bind.resultFormats)
        case .describe(let target):
            described(target.kind, target.name)
        case .execute(let execute):
            enqueue(.execute(binding: portals[execute.portal] ?? 0))
        case .close(let target):
            closed(target.kind, target.name)
        case .sync:
            enqueue(.sync)
        case .query:
            // Checked first: a simple-protocol session has neither, and the name would be hashed for every Query.
            if !statements.isEmpty { statements[""] = nil }
            if !portals.isEmpty { portals[""] = nil }
            enqueue(.query)
        case .functionCall:
            enqueue(.other)
        default:
            break
        }
        return types
    }

    /// Takes a message the server sent; returns the types of a DataRow's columns.
    public mutating func observe(_ message: BackendMessage) -> [ValueType]? {
        switch message {
        case .parseComplete, .bindComplete, .closeComplete:
            popAnswered()
        case .parameterDescription(let description):
            if case .describeStatement(let name, let generation) = pending.first,
                statements[name]?.generation == generation
            {
                statements[name]?.parameterTypes = description.parameterTypes
            }
        case .rowDescription(let description):
            describe(columns: description.columns.map { ValueType(oid: $0.dataTypeOID, format: $0.format) })
        case .noData:
            describe(columns: nil)
        case .dataRow(let row):
            return dataRowTypes(columnCount: row.columnCount)
        case .commandComplete, .emptyQueryResponse, .portalSuspended:
            if case .execute = pending.first { pending.removeFirst() } else { resultColumns = nil }
        case .errorResponse:
            // An error in the extended protocol skips every message up to Sync.
            while let first = pending.first, !Self.endsCycle(first) { pending.removeFirst() }
        case .readyForQuery where !isStarted:
            isStarted = true
        case .readyForQuery:
            while let first = pending.popFirst(), !Self.endsCycle(first) {}
            resultColumns = nil
            if pending.isEmpty && bindings.count > portals.count {
                // No message refers to an old binding any more.
                let current = Set(portals.values)
                bindings = bindings.filter { current.contains($0.key) }
            }
        default:
            break
        }
        return nil
    }

    /// Whether a message of `typeByte` sent in `direction` tells the tracker nothing but its type, so that a
    /// message passed without being decoded (the proxy's JSON log writes most from their bytes) can be taken with
    /// ``observe(typeByte:from:)``; `false` for Parse, Bind, Describe, Execute, Close, RowDescription and
    /// ParameterDescription, which are taken from their bytes (``observe(typeByte:body:from:)``) or decoded
    /// (``observe(_:)-(FrontendMessage)``, ``observe(_:)-(BackendMessage)``).
    public static func readsOnlyType(_ typeByte: UInt8, from direction: MessageDirection) -> Bool {
        switch (direction, typeByte) {
        case (.frontend, UInt8(ascii: "P")), (.frontend, UInt8(ascii: "B")), (.frontend, UInt8(ascii: "D")),
            (.frontend, UInt8(ascii: "E")), (.frontend, UInt8(ascii: "C")), (.backend, UInt8(ascii: "T")),
            (.backend, UInt8(ascii: "t")):
            false
        default:
            true
        }
    }

    /// Takes a message of `typeByte` sent in `direction` that was not decoded, one that tells nothing but its type
    /// (``readsOnlyType(_:from:)``): the same as observing the decoded message. (The messages made here carry no
    /// payload, or an empty one, which the tracker does not read.)
    public mutating func observe(typeByte: UInt8, from direction: MessageDirection) {
        switch (direction, typeByte) {
        case (.frontend, UInt8(ascii: "S")): _ = observe(FrontendMessage.sync)
        case (.frontend, UInt8(ascii: "Q")): _ = observe(FrontendMessage.query(Query("")))
        case (.frontend, UInt8(ascii: "F")): enqueue(.other)
        case (.backend, UInt8(ascii: "1")), (.backend, UInt8(ascii: "2")), (.backend, UInt8(ascii: "3")): popAnswered()
        case (.backend, UInt8(ascii: "n")): describe(columns: nil)
        case (.backend, UInt8(ascii: "C")), (.backend, UInt8(ascii: "I")), (.backend, UInt8(ascii: "s")):
            _ = observe(BackendMessage.emptyQueryResponse)
        case (.backend, UInt8(ascii: "E")): _ = observe(BackendMessage.errorResponse(DiagnosticMessage(fields: [])))
        case (.backend, UInt8(ascii: "Z")): _ = observe(BackendMessage.readyForQuery(.idle))
        default: break
        }
    }

    /// Takes a Parse, Bind, Describe, Execute, Close or RowDescription from its body, as
    /// ``observe(_:)-(FrontendMessage)`` and ``observe(_:)-(BackendMessage)`` take the decoded message, without
    /// decoding it (the query text, parameter values and column names are stepped over, not copied): for a caller
    /// that writes such messages from their bytes. Returns `false`, taking nothing, for another message, a body that
    /// does not hold the message, or a Bind with binary parameters (whose types the caller gets from
    /// ``observe(_:)-(FrontendMessage)`` with the decoded Bind, to show them typed).
    public mutating func observe(typeByte: UInt8, body: ByteBuffer, from direction: MessageDirection) -> Bool {
        var body = body
        switch (direction, typeByte) {
        case (.frontend, UInt8(ascii: "P")):
            guard let name = try? body.readCString(field: "statement name"), Self.skipCString(&body),
                let count = body.readInteger(as: Int16.self), count >= 0, body.readableBytes == Int(count) * 4
            else { return false }
            let parameterTypes = (0..<Int(count)).map { _ in body.readInteger(as: UInt32.self)! }
            parsed(name: name, parameterTypes: parameterTypes)
            return true
        case (.frontend, UInt8(ascii: "B")):
            guard let portal = try? body.readCString(field: "portal"),
                let statement = try? body.readCString(field: "statement"),
                let parameterFormats = Self.readFormats(&body), let count = body.readInteger(as: Int16.self),
                count >= 0, !Self.formats(parameterFormats, count: Int(count)).contains(.binary)
            else { return false }
            for _ in 0..<count {
                guard let length = body.readInteger(as: Int32.self), length >= -1, body.readableBytes >= length else {
                    return false
                }
                if length > 0 { body.moveReaderIndex(forwardBy: Int(length)) }
            }
            guard let resultFormats = Self.readFormats(&body), body.readableBytes == 0 else { return false }
            bound(portal: portal, statement: statement, resultFormats: resultFormats)
            return true
        case (.frontend, UInt8(ascii: "D")), (.frontend, UInt8(ascii: "C")):
            guard let byte = body.readInteger(as: UInt8.self), let kind = ObjectKind(rawValue: byte),
                let name = try? body.readCString(field: "name"), body.readableBytes == 0
            else { return false }
            if typeByte == UInt8(ascii: "D") { described(kind, name) } else { closed(kind, name) }
            return true
        case (.frontend, UInt8(ascii: "E")):
            guard let portal = try? body.readCString(field: "portal"), body.readInteger(as: Int32.self) != nil,
                body.readableBytes == 0
            else { return false }
            enqueue(.execute(binding: portals[portal] ?? 0))
            return true
        case (.backend, UInt8(ascii: "T")):
            guard let count = body.readInteger(as: Int16.self), count >= 0 else { return false }
            var columns: [ValueType] = []
            columns.reserveCapacity(Int(count))
            for _ in 0..<count {
                // Name, then table OID (4), attribute number (2), type OID (4), size (2), modifier (4), format (2).
                guard Self.skipCString(&body),
                    let (_, _, oid, _, _, format) = body.readMultipleIntegers(
                        as: (UInt32, Int16, UInt32, Int16, Int32, Int16).self)
                else { return false }
                columns.append(ValueType(oid: oid, format: FormatCode(rawValue: format)))
            }
            guard body.readableBytes == 0 else { return false }
            describe(columns: columns)
            return true
        default:
            return false
        }
    }

    /// The parameter types of the prepared statement `name` as its Parse gave them, or a ParameterDescription
    /// (answering a Describe of it) told them; `nil` when no Parse of it was seen. A type not given is 0.
    public func parameterTypes(ofStatement name: String) -> [UInt32]? {
        statements[name]?.parameterTypes
    }

    /// The types of the columns of a DataRow with `columnCount` columns that comes now (a DataRow changes nothing).
    public func dataRowTypes(columnCount: Int) -> [ValueType]? {
        let columns = dataRowColumns
        return columns?.count == columnCount ? columns : nil
    }

    /// The types of the columns of the DataRows that come now, whatever their number (a DataRow's are these when
    /// it has as many columns).
    public var dataRowColumns: [ValueType]? {
        if case .execute(let binding) = pending.first { return columns(ofBinding: binding) }
        return resultColumns
    }

    /// A Parse of statement `name` with `parameterTypes`: a new generation of the statement, awaiting ParseComplete.
    private mutating func parsed(name: String, parameterTypes: [UInt32]) {
        generations += 1
        let statement = Statement(parameterTypes: parameterTypes, columns: nil, generation: generations)
        if statements.count >= Self.limit && statements[name] == nil { statements.removeAll() }
        statements[name] = statement
        enqueue(.parse)
    }

    /// A Bind of `portal` to `statement` with `resultFormats`: a new binding of the portal, awaiting BindComplete.
    private mutating func bound(portal: String, statement statementName: String, resultFormats: [FormatCode]) {
        let statement = statements[statementName]
        generations += 1
        if bindings.count >= Self.limit { bindings.removeAll() }
        if portals.count >= Self.limit && portals[portal] == nil { portals.removeAll() }
        portals[portal] = generations
        bindings[generations] = statement.map {
            .statement(statementName, generation: $0.generation, resultFormats: resultFormats)
        }
        enqueue(.bind)
    }

    /// A Describe of the statement or portal `name`, awaiting its description.
    private mutating func described(_ kind: ObjectKind, _ name: String) {
        if kind == .statement {
            enqueue(.describeStatement(name, generation: statements[name]?.generation ?? 0))
        } else {
            enqueue(.describePortal(binding: portals[name] ?? 0))
        }
    }

    /// A Close of the statement or portal `name`, awaiting CloseComplete.
    private mutating func closed(_ kind: ObjectKind, _ name: String) {
        if kind == .statement { statements[name] = nil } else { portals[name] = nil }
        enqueue(.close)
    }

    /// A list of format codes (a count, then the codes); `nil` when the bytes do not hold one.
    private static func readFormats(_ body: inout ByteBuffer) -> [FormatCode]? {
        guard let count = body.readInteger(as: Int16.self), count >= 0, body.readableBytes >= Int(count) * 2 else {
            return nil
        }
        return (0..<Int(count)).map { _ in FormatCode(rawValue: body.readInteger(as: Int16.self)!) }
    }

    /// Moves past a NUL-terminated string; `false` when `body` holds no NUL.
    private static func skipCString(_ body: inout ByteBuffer) -> Bool {
        guard let end = body.readableBytesView.firstIndex(of: 0) else { return false }
        body.moveReaderIndex(to: end + 1)
        return true
    }

    /// A RowDescription (`columns`) or NoData (`nil`): the answer to a Describe, or a Query's result columns.
    private mutating func describe(columns: [ValueType]?) {
        switch pending.first {
        case .describeStatement(let name, let generation):
            if statements[name]?.generation == generation { statements[name]?.columns = columns?.map(\.oid) ?? [] }
            pending.removeFirst()
        case .describePortal(let binding):
            if bindings[binding] != nil || portals.values.contains(binding) {
                bindings[binding] = .columns(columns ?? [])
            }
            pending.removeFirst()
        default:
            if columns != nil { resultColumns = columns }
        }
    }

    /// The columns of a portal binding's rows: as described, or as its statement's (if not parsed again since the
    /// Bind) with the Bind's formats.
    private func columns(ofBinding binding: Int) -> [ValueType]? {
        switch bindings[binding] {
        case .columns(let columns):
            return columns
        case .statement(let statementName, let generation, let resultFormats):
            guard let statement = statements[statementName], statement.generation == generation,
                let oids = statement.columns
            else { return nil }
            return zip(oids, Self.formats(resultFormats, count: oids.count)).map { ValueType(oid: $0, format: $1) }
        case nil:
            return nil
        }
    }

    /// Removes the oldest unanswered message when it is answered by a message of its own (not Sync or Query,
    /// which ReadyForQuery answers).
    private mutating func popAnswered() {
        if let first = pending.first, !Self.endsCycle(first) { pending.removeFirst() }
    }

    /// Whether ReadyForQuery answers `pending` (Sync, Query, FunctionCall).
    private static func endsCycle(_ pending: Pending) -> Bool {
        switch pending {
        case .sync, .query, .other: true
        default: false
        }
    }

    /// Queues a message awaiting its answer (dropping the queue when it reaches the limit).
    private mutating func enqueue(_ message: Pending) {
        if pending.count >= Self.limit { pending.removeAll() }
        pending.append(message)
    }

    /// The format of each of `count` values: none given means text, one means the same for all.
    private static func formats(_ codes: [FormatCode], count: Int) -> [FormatCode] {
        switch codes.count {
        case 0: Array(repeating: .text, count: count)
        case 1: Array(repeating: codes[0], count: count)
        default: codes
        }
    }
}
