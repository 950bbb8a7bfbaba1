import PostgresWire
import Testing

/// ``StatementTracker`` pairs statements with their ReadyForQuery, and ``StatementLatency`` renders the time; no I/O.
struct StatementTrackerTests {
    /// Sends the client's messages (by type byte) to `tracker`, each statement named by a counter.
    private static func send(
        _ typeBytes: String, to tracker: inout StatementTracker<String>, names: inout [String].Iterator
    ) {
        for typeByte in typeBytes.utf8 { tracker.clientSent(typeByte) { names.next()! } }
    }

    @Test func answersComeInTheOrderTheStatementsWereSent() {
        var tracker = StatementTracker<String>()
        var names = ["query", "extended", "function call", "second extended"].makeIterator()
        #expect(tracker.serverSentReadyForQuery() == nil, "the startup's ReadyForQuery ends no statement")
        // A Query, then a pipeline: Parse/Bind/Describe/Execute/Sync, a FunctionCall, Bind/Execute/Close/Sync.
        Self.send("QPBDESFBECS", to: &tracker, names: &names)
        #expect(tracker.nextAnswered == "query" && tracker.nextAnswered == "query", "looking does not take it")
        #expect(tracker.serverSentReadyForQuery() == "query")
        #expect(tracker.serverSentReadyForQuery() == "extended", "one statement up to its Sync, named at its start")
        #expect(tracker.serverSentReadyForQuery() == "function call")
        #expect(tracker.serverSentReadyForQuery() == "second extended")
        #expect(tracker.serverSentReadyForQuery() == nil)
    }

    /// A Query sent right behind the StartupMessage (`\set autosend off` in pgw repl, a pipelining driver): the
    /// login's ReadyForQuery ends no statement, the Query's own one ends the Query, and an error during the login is
    /// not the Query's.
    @Test func aQueryPipelinedBehindTheStartupIsNotChargedWithTheLogin() {
        var tracker = StatementTracker<String>()
        var names = ["select 42"].makeIterator()
        tracker.clientSentStartup()
        Self.send("Q", to: &tracker, names: &names)
        tracker.serverSentError { $0 += " (failed)" }
        #expect(tracker.nextAnswered == nil)
        #expect(tracker.serverSentReadyForQuery() == nil, "the login's ReadyForQuery")
        #expect(tracker.serverSentReadyForQuery() == "select 42")
    }

    @Test func aLoneSyncKeepsItsPlaceWithoutBeingAStatement() {
        var tracker = StatementTracker<String>()
        var names = ["query"].makeIterator()
        Self.send("HSQ", to: &tracker, names: &names)  // Flush, a Sync alone, a Query
        #expect(tracker.serverSentReadyForQuery() == nil, "the lone Sync's answer")
        #expect(tracker.serverSentReadyForQuery() == "query")
    }

    /// asyncpg's Parse, Describe and Flush, answered before it sends a Query: no statement; the next batch is one
    /// of its own.
    @Test func messagesAQueryFollowsBeforeASyncAreNoStatement() {
        var tracker = StatementTracker<String>()
        var names = ["introspection", "query", "last"].makeIterator()
        Self.send("PDHQ", to: &tracker, names: &names)
        #expect(tracker.serverSentReadyForQuery() == "query")
        Self.send("PBES", to: &tracker, names: &names)
        #expect(tracker.serverSentReadyForQuery() == "last")
    }

    /// What later messages of a statement being sent add to it (decode's Executes) stays with it.
    @Test func theStatementBeingSentCanBeUpdatedUntilItsSync() {
        var tracker = StatementTracker<String>()
        tracker.updateStatementBeingSent { $0 += " nothing" }
        var names = ["batch"].makeIterator()
        Self.send("PB", to: &tracker, names: &names)
        tracker.updateStatementBeingSent { $0 += " executed" }
        Self.send("ES", to: &tracker, names: &names)
        tracker.updateStatementBeingSent { $0 += " too late" }
        #expect(tracker.serverSentReadyForQuery() == "batch executed")
    }

    @Test func copyAndOtherMessagesStartNothing() {
        var tracker = StatementTracker<String>()
        var names = ["copy"].makeIterator()
        Self.send("Qddcpf", to: &tracker, names: &names)  // Query, CopyData ×2, CopyDone, a `p`, CopyFail
        #expect(tracker.serverSentReadyForQuery() == "copy")
        #expect(tracker.serverSentReadyForQuery() == nil)
    }

    @Test func anErrorBelongsToTheOldestUnansweredStatementOrTheOneBeingSent() {
        var tracker = StatementTracker<String>()
        var names = ["first", "second", "third"].makeIterator()
        Self.send("QQ", to: &tracker, names: &names)
        tracker.serverSentError { $0 += " failed" }
        #expect(tracker.serverSentReadyForQuery() == "first failed")
        #expect(tracker.serverSentReadyForQuery() == "second")
        Self.send("PBE", to: &tracker, names: &names)  // no Sync yet: the server answers a Flush
        tracker.serverSentError { $0 += " failed" }
        Self.send("S", to: &tracker, names: &names)
        #expect(tracker.serverSentReadyForQuery() == "third failed")
    }

    @Test func aSessionFollowedFromItsMiddleStaysInStep() {
        var tracker = StatementTracker<String>()
        var names = ["first", "second"].makeIterator()
        #expect(tracker.serverSentReadyForQuery() == nil, "the answer to a statement sent before the capture")
        Self.send("Q", to: &tracker, names: &names)
        #expect(tracker.serverSentReadyForQuery() == "first")
        Self.send("Q", to: &tracker, names: &names)
        #expect(tracker.serverSentReadyForQuery() == "second")
    }

    /// Past the limit, statements are counted and not kept, and the tracker stays in step with the answers.
    @Test func memoryIsBoundedAndTheOrderKept() {
        var tracker = StatementTracker<Int>()
        let limit = StatementTracker<Int>.limit
        var made = 0
        for _ in 0..<(limit + 5) {
            tracker.clientSent(UInt8(ascii: "Q")) {
                made += 1
                return made
            }
        }
        #expect(made == limit, "the statements past the limit are not made")
        for expected in 1...limit { #expect(tracker.serverSentReadyForQuery() == expected) }
        for _ in 0..<5 { #expect(tracker.serverSentReadyForQuery() == nil) }
        tracker.clientSent(UInt8(ascii: "Q")) { -1 }
        #expect(tracker.serverSentReadyForQuery() == -1, "kept again once the answers caught up")
    }

    @Test(
        arguments: [
            (203_000, "0.203 ms", 203), (1_000_000, "1.000 ms", 1000), (12_345_678_400, "12345.678 ms", 12_345_678),
            (499, "0.000 ms", 0), (500, "0.001 ms", 1), (-1_500_000, "-1.500 ms", -1500),
        ] as [(Int64, String, Int64)])
    func latencyIsShownInMillisecondsAndMicroseconds(nanoseconds: Int64, text: String, microseconds: Int64) {
        let latency = StatementLatency(nanoseconds: nanoseconds)
        #expect(latency.text == text)
        #expect(latency.textSuffix == "  (\(text))")
        #expect(latency.microseconds == microseconds)
        #expect(latency.jsonMember.0 == "latencyMicroseconds")
    }
}
