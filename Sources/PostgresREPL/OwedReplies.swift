import NIOCore
import PostgresWire

/// The replies the server owes for the frontend messages sent, in the order it sends them: what `\wait` and the end
/// of a script wait for.
///
/// A Query, Sync, FunctionCall or StartupMessage owes a ReadyForQuery. A Parse, Bind, Describe, Execute or Close
/// owes its own reply (ParseComplete; BindComplete; ParameterDescription and RowDescription or NoData;
/// CommandComplete, EmptyQueryResponse or PortalSuspended; CloseComplete) once a Flush or a Sync (or a Query)
/// after it makes the server send its output; before that, the server may keep the reply, so none is owed. An
/// ErrorResponse to such a message skips the messages after it up to a Sync, as the server does; a COPY that
/// reads from the client (CopyInResponse, CopyBothResponse) makes the server wait for CopyData until CopyDone or
/// CopyFail, and ignore the Syncs and Flushes sent meanwhile.
struct OwedReplies: Sendable {
    /// What a message sent waits for.
    private enum Awaited: Sendable, Equatable {
        case parse, bind, close, execute
        /// A Describe of the statement named so: its ParameterDescription, then RowDescription or NoData.
        case describeStatement(String)
        /// A Describe of a portal, or of a statement once its ParameterDescription came: RowDescription or NoData.
        case describeColumns
        /// A Sync: ReadyForQuery, which also ends the skipping after an error.
        case sync
        /// A Query, FunctionCall or StartupMessage: ReadyForQuery.
        case ready
        /// A CopyDone or CopyFail sent before the server asked for data: it ends a COPY that an earlier message
        /// starts. It owes nothing.
        case copyEnd
    }

    /// A message sent that waits for its reply.
    private struct Entry: Sendable {
        var awaited: Awaited
        /// The message's type name, such as `Parse`.
        var name: String
    }

    /// Who the server waits for data from, in a COPY.
    enum CopyWait: Sendable, Equatable {
        /// COPY FROM STDIN (CopyInResponse): CopyData, then CopyDone or CopyFail.
        case copyIn
        /// A CopyBothResponse (streaming replication): CopyData, or CopyDone to end it.
        case copyBoth
    }

    /// The messages waiting for their replies, oldest first.
    private var entries = CircularBuffer<Entry>()
    /// How many of ``entries``, from the oldest, a Flush, Sync or Query has made owed (the others are not sent on by
    /// the server yet).
    private var flushedCount = 0
    /// Whether an ErrorResponse made the server skip every message until a Sync, none having been sent yet.
    private var skipsUntilSync = false
    /// Whether the server waits for the client's data in a COPY; `nil` when it does not.
    private(set) var copyWait: CopyWait?

    /// Whether a reply is owed: something sent and flushed has not been answered (including while the server waits
    /// for COPY data, when the answer needs the client's CopyDone first).
    var isOwed: Bool { flushedCount > 0 }

    /// Whether the server owes a reply it will send without anything more from the client.
    var isServerBusy: Bool { isOwed && copyWait == nil }

    /// The type names of the messages owed a reply, oldest first.
    var owedNames: [String] {
        entries.prefix(flushedCount).filter { $0.awaited != .copyEnd }.map(\.name)
    }

    /// Whether every reply owed is a ReadyForQuery (to a Query, Sync, FunctionCall or StartupMessage).
    var owesOnlyReadyForQuery: Bool {
        entries.prefix(flushedCount).allSatisfy { [.sync, .ready, .copyEnd].contains($0.awaited) }
    }

    /// Whether the ParameterDescription of the statement `name` is owed: a Describe of it was sent and flushed and
    /// the description has not come (nor an error instead).
    func owesParameterDescription(ofStatement name: String) -> Bool {
        entries.prefix(flushedCount).contains { $0.awaited == .describeStatement(name) }
    }

    /// Whether a Describe of the statement `name` was sent but not flushed, so that the server may not answer it
    /// yet.
    func holdsUnflushedDescribe(ofStatement name: String) -> Bool {
        entries.dropFirst(flushedCount).contains { $0.awaited == .describeStatement(name) }
    }

    /// Takes a message sent.
    mutating func sent(_ message: FrontendMessage) {
        switch message {
        case .parse: append(.parse, "Parse")
        case .bind: append(.bind, "Bind")
        case .close: append(.close, "Close")
        case .execute: append(.execute, "Execute")
        case .describe(let target):
            append(target.kind == .statement ? .describeStatement(target.name) : .describeColumns, "Describe")
        case .flush: flush()
        case .sync: sentSync()
        case .query: sentReadyMessage("Query")
        case .functionCall: sentReadyMessage("FunctionCall")
        case .startup: sentReadyMessage("StartupMessage")
        case .copyDone, .copyFail: sentCopyEnd()
        default: break
        }
    }

    /// Takes a message sent as bytes (a `\hex` line): `typeByte` and the body after the length word. Only the
    /// messages that owe a reply matter; a Describe's body gives what it describes.
    mutating func sent(typeByte: UInt8, body: ByteBuffer) {
        switch typeByte {
        case UInt8(ascii: "P"): append(.parse, "Parse")
        case UInt8(ascii: "B"): append(.bind, "Bind")
        case UInt8(ascii: "C"): append(.close, "Close")
        case UInt8(ascii: "E"): append(.execute, "Execute")
        case UInt8(ascii: "D"):
            var body = body
            let kind = body.readInteger(as: UInt8.self)
            let name = body.readableBytesView.firstIndex(of: 0).flatMap {
                body.readString(length: $0 - body.readerIndex)
            }
            if kind == ObjectKind.statement.rawValue, let name {
                append(.describeStatement(name), "Describe")
            } else {
                append(.describeColumns, "Describe")
            }
        case UInt8(ascii: "H"): flush()
        case UInt8(ascii: "S"): sentSync()
        case UInt8(ascii: "Q"): sentReadyMessage("Query")
        case UInt8(ascii: "F"): sentReadyMessage("FunctionCall")
        case UInt8(ascii: "c"), UInt8(ascii: "f"): sentCopyEnd()
        default: break
        }
    }

    /// Takes a message the server sent.
    mutating func received(_ message: BackendMessage) {
        switch message {
        case .parseComplete: answer(.parse)
        case .bindComplete: answer(.bind)
        case .closeComplete: answer(.close)
        case .commandComplete, .emptyQueryResponse, .portalSuspended: answer(.execute)
        case .parameterDescription:
            if case .describeStatement? = entries.first?.awaited {
                entries[entries.startIndex].awaited = .describeColumns
            }
        case .rowDescription, .noData:
            switch entries.first?.awaited {
            case .describeStatement?, .describeColumns?: removeFirst()
            default: break
            }
        case .copyInResponse: startedCopy(.copyIn)
        case .copyBothResponse: startedCopy(.copyBoth)
        case .errorResponse:
            copyWait = nil
            failed()
        case .readyForQuery:
            copyWait = nil
            guard let end = entries.firstIndex(where: { $0.awaited == .sync || $0.awaited == .ready }) else { return }
            let count = entries.distance(from: entries.startIndex, to: end) + 1
            for _ in 0..<count { removeFirst() }
        default:
            break
        }
    }

    /// Queues a message that waits for a reply, unless the server skips it after an error.
    private mutating func append(_ awaited: Awaited, _ name: String) {
        guard !skipsUntilSync else { return }
        entries.append(Entry(awaited: awaited, name: name))
    }

    /// A Flush: every message sent so far is owed its reply (the server ignores a Flush during COPY FROM STDIN,
    /// when nothing new is owed anyway).
    private mutating func flush() {
        guard copyWait == nil else { return }
        flushedCount = entries.count
    }

    /// A Sync: owes ReadyForQuery and flushes; during a COPY the server ignores it.
    private mutating func sentSync() {
        guard copyWait == nil else { return }
        skipsUntilSync = false
        entries.append(Entry(awaited: .sync, name: "Sync"))
        flushedCount = entries.count
    }

    /// A Query, FunctionCall or StartupMessage: owes ReadyForQuery and flushes (unless skipped after an error).
    private mutating func sentReadyMessage(_ name: String) {
        append(.ready, name)
        flushedCount = entries.count
    }

    /// A CopyDone or CopyFail: ends the COPY the server waits in, or one that a message sent earlier will start.
    private mutating func sentCopyEnd() {
        if copyWait != nil {
            copyWait = nil
        } else if !entries.isEmpty {
            entries.append(Entry(awaited: .copyEnd, name: "CopyDone"))
        }
    }

    /// The server started a COPY for the oldest message (a Query or Execute): the Syncs sent after that message and
    /// before a CopyDone or CopyFail are ignored; with no CopyDone or CopyFail sent yet, the server waits for data.
    private mutating func startedCopy(_ wait: CopyWait) {
        guard let first = entries.first else { return }
        let rest = Array(entries.dropFirst())
        let end = rest.firstIndex { $0.awaited == .copyEnd }
        // The owed ones stay a prefix: count those kept among the flushed.
        let flushedRest = max(flushedCount - 1, 0)
        var kept: [Entry] = [first]
        var keptFlushed = 0
        for (index, entry) in rest.enumerated() {
            let isDuringCopy = end.map { index < $0 } ?? true
            if (isDuringCopy && entry.awaited == .sync) || index == end { continue }
            kept.append(entry)
            if index < flushedRest { keptFlushed += 1 }
        }
        entries = CircularBuffer(kept)
        flushedCount = flushedCount > 0 ? 1 + keptFlushed : 0
        if end == nil { copyWait = wait }
    }

    /// An ErrorResponse: to a Parse, Bind, Describe, Execute or Close, the server skips every message up to the
    /// next Sync (and the ones sent until a Sync comes); to a Query, Sync or FunctionCall, ReadyForQuery follows.
    private mutating func failed() {
        guard let first = entries.first, ![.sync, .ready].contains(first.awaited) else { return }
        while let next = entries.first, next.awaited != .sync { removeFirst() }
        if entries.isEmpty { skipsUntilSync = true }
    }

    /// The reply to the oldest message when it waits for `awaited`.
    private mutating func answer(_ awaited: Awaited) {
        if entries.first?.awaited == awaited { removeFirst() }
    }

    /// Removes the oldest message, then the CopyDone or CopyFail markers that no COPY of an older message needs.
    private mutating func removeFirst() {
        entries.removeFirst()
        flushedCount = max(flushedCount - 1, 0)
        while entries.first?.awaited == .copyEnd {
            entries.removeFirst()
            flushedCount = max(flushedCount - 1, 0)
        }
    }
}
