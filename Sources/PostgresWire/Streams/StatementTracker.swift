import NIOCore

/// Pairs the statements a client sends with the ReadyForQuery that ends each, for latencies and per-statement
/// totals: what `pgw decode` and `pgw proxy` show on a ReadyForQuery line.
///
/// A statement is a Query, a FunctionCall, or the extended-protocol messages (Parse, Bind, Describe, Execute, Close)
/// up to the Sync that ends them; the server answers each of them, and a Sync sent alone, with exactly one
/// ReadyForQuery, in the order they were sent (a pipeline has several waiting). A lone Sync holds its place in that
/// order without being a statement; extended-protocol messages that a Query or FunctionCall follows before any Sync
/// (a driver's Parse, Describe and Flush, as asyncpg sends to learn a statement's types) were answered on their
/// Flush and are no statement either. The ReadyForQuery that ends the startup ends no statement: a StartupMessage
/// (``clientSentStartup()``) holds its place first, so a Query a client sends right behind it, before the login is
/// over, is timed to its own ReadyForQuery. A ReadyForQuery that nothing waits for ends none either; so a capture that
/// starts in the middle of a session is followed from its first statement on.
///
/// A statement here is a round trip: `pgw decode --summary` counts the statements inside it (each Execute) itself,
/// adding them to the one being sent (``updateStatementBeingSent(_:)``).
///
/// `Statement` is what the caller keeps about a statement: a start time, or its text and first error too. Memory is
/// bounded: past ``limit`` unanswered statements, the later ones are only counted until the answers catch up.
public struct StatementTracker<Statement> {
    /// The most unanswered statements kept; more are counted, not kept.
    public static var limit: Int { 10_000 }

    /// The unanswered statements, oldest first (`nil`: a lone Sync).
    @usableFromInline var waiting = CircularBuffer<Statement?>(initialCapacity: 4)
    /// Unanswered statements sent after ``waiting`` filled up: their answers come after those of ``waiting``.
    @usableFromInline var uncounted = 0
    /// The extended-protocol statement whose Sync has not come yet.
    @usableFromInline var building: Statement?

    /// Creates a tracker with no statement waiting.
    public init() {}

    /// Takes a typed message the client sent, by its type byte; `statement` makes what is kept about a statement
    /// the message starts (called only then).
    @inlinable
    public mutating func clientSent(_ typeByte: UInt8, statement: () -> Statement) {
        switch typeByte {
        case UInt8(ascii: "Q"), UInt8(ascii: "F"):
            // Extended-protocol messages sent before it without a Sync were answered on a Flush: no statement.
            building = nil
            enqueue(statement())
        case UInt8(ascii: "P"), UInt8(ascii: "B"), UInt8(ascii: "D"), UInt8(ascii: "E"), UInt8(ascii: "C"):
            if building == nil { building = statement() }
        case UInt8(ascii: "S"):
            let finished = building
            building = nil
            enqueue(finished)
        default:
            break
        }
    }

    /// Takes a StartupMessage: the ReadyForQuery that ends the login is owed to it, not to a statement sent behind
    /// it (nor are the login's errors a statement's).
    @inlinable
    public mutating func clientSentStartup() {
        building = nil
        enqueue(nil)
    }

    /// Takes an ErrorResponse: `update` changes the statement it belongs to (the oldest unanswered one, or the one
    /// being sent when none is), if one is kept.
    @inlinable
    public mutating func serverSentError(_ update: (inout Statement) -> Void) {
        if let index = waiting.indices.first {
            guard var statement = waiting[index] else { return }
            update(&statement)
            waiting[index] = statement
        } else if uncounted == 0, var statement = building {
            update(&statement)
            building = statement
        }
    }

    /// Changes the extended-protocol statement being sent (whose Sync has not come yet), if one is kept: for what its
    /// later messages (an Execute) add to it.
    @inlinable
    public mutating func updateStatementBeingSent(_ update: (inout Statement) -> Void) {
        guard var statement = building else { return }
        building = nil
        update(&statement)
        building = statement
    }

    /// The statement the next ReadyForQuery ends, if one is kept (``serverSentReadyForQuery()`` returns it).
    @inlinable
    public var nextAnswered: Statement? {
        waiting.first ?? nil
    }

    /// Takes a ReadyForQuery; returns the statement it ends, if one is kept.
    @inlinable
    public mutating func serverSentReadyForQuery() -> Statement? {
        if let statement = waiting.popFirst() { return statement }
        if uncounted > 0 { uncounted -= 1 }
        return nil
    }

    /// Forgets the statements waiting for a ReadyForQuery (when it is no longer known which of them still wait: a
    /// capture lost bytes); returns those kept, oldest first.
    @inlinable
    public mutating func removeWaiting() -> [Statement] {
        let statements = waiting.compactMap { $0 }
        waiting.removeAll(keepingCapacity: true)
        uncounted = 0
        return statements
    }

    /// Queues `statement` (`nil`: a lone Sync) for the next ReadyForQuery after those already awaited; past
    /// ``limit``, counts it without making it.
    @inlinable
    mutating func enqueue(_ statement: @autoclosure () -> Statement?) {
        if uncounted == 0 && waiting.count < Self.limit {
            waiting.append(statement())
        } else {
            uncounted += 1
        }
    }
}

extension StatementTracker: Sendable where Statement: Sendable {}
