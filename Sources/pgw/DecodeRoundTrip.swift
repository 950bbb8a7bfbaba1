import PostgresCapture
import PostgresWire

/// One round trip `pgw decode` followed: a Query, a FunctionCall, or the extended-protocol messages up to a Sync,
/// until the ReadyForQuery that ends it; the statements it executes (none for a Parse or Describe alone, several for
/// a pipeline of Executes before one Sync).
struct DecodeRoundTrip {
    /// The most statement texts kept per round trip (they share its latency: no more can be among the slowest).
    static let keptStatementTexts = DecodeConnectionSummary.slowestCount

    /// The text of the first statement it names (its Query's, or that of its first Parse, Bind, Describe or Execute),
    /// which `--grep` matches on its ReadyForQuery; `nil` when it names none whose text is known.
    var text: String?
    /// The time of the packet that carried its first message, in a capture.
    var start: CaptureTimestamp?
    /// The texts of the first ``keptStatementTexts`` statements it executes.
    private(set) var statementTexts: [String] = []
    /// The statements it executes.
    private(set) var statementCount = 0
    /// The time from its first message to its ReadyForQuery, once complete and when timed.
    var latency: StatementLatency?

    /// Starts a round trip at `start` with `text`, the text of the statement its first message names.
    init(text: String?, start: CaptureTimestamp?) {
        self.text = text
        self.start = start
    }

    /// Adds a statement it executes, with its text.
    mutating func execute(_ statementText: String) {
        statementCount += 1
        if statementTexts.count < Self.keptStatementTexts { statementTexts.append(statementText) }
    }

    /// Adds the statements of `other`, a round trip given up untimed with this one (see
    /// ``DecodeStatementTracker/lostBytes(of:)``).
    mutating func add(statementsOf other: DecodeRoundTrip) {
        statementCount += other.statementCount
        statementTexts += other.statementTexts.prefix(Self.keptStatementTexts - statementTexts.count)
    }
}
