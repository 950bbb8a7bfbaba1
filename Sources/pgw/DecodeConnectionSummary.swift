import PostgresWire

/// What `pgw decode --summary` totals for a connection, or for all of them: messages and bytes per type,
/// statements, errors by SQLSTATE, the gaps (bytes missing from a capture) and the slowest statements.
struct DecodeConnectionSummary {
    /// How many of the slowest statements are kept.
    static let slowestCount = 5

    /// Message counts and bytes per direction and type.
    var statistics = MessageStatistics()
    /// Completed statements (Executes, Queries and FunctionCalls whose round trip ended).
    var statementCount = 0
    /// Errors by SQLSTATE (ErrorResponse messages).
    var errorsBySQLState: [String: Int] = [:]
    /// The slowest timed statements, slowest first.
    var slowest: [DecodeStatement] = []
    /// The gaps of a capture: places where bytes of a stream are missing from it.
    var gapCount = 0
    /// The bytes missing in the gaps.
    var missingBytes = 0

    /// Counts a gap of `byteCount` missing bytes.
    mutating func addGap(of byteCount: Int) {
        gapCount += 1
        missingBytes += byteCount
    }

    /// Counts a message.
    mutating func add(_ message: DecodedMessage) {
        statistics.add(message)
        if case .backend(.errorResponse(let error)) = message.message {
            errorsBySQLState[error.sqlState ?? "?????", default: 0] += 1
        }
    }

    /// Adds the message counts and errors of `other` (a connection's, to the totals of all).
    mutating func addCounts(of other: DecodeConnectionSummary) {
        for entry in other.statistics.sortedEntries {
            statistics.add(entry.direction, type: entry.type, count: entry.count, bytes: entry.bytes)
        }
        errorsBySQLState.merge(other.errorsBySQLState, uniquingKeysWith: +)
        gapCount += other.gapCount
        missingBytes += other.missingBytes
    }

    /// Counts the statements of a completed round trip, each timed with it.
    mutating func add(_ roundTrip: DecodeRoundTrip) {
        statementCount += roundTrip.statementCount
        guard let latency = roundTrip.latency else { return }
        for text in roundTrip.statementTexts {
            guard slowest.count < Self.slowestCount || latency > slowest.last!.latency! else { return }
            slowest.append(DecodeStatement(text: text, latency: latency))
            slowest.sort { $0.latency! > $1.latency! }
            slowest = Array(slowest.prefix(Self.slowestCount))
        }
    }

    /// The errors by SQLSTATE, the most frequent first (then by SQLSTATE).
    private var sortedErrors: [(key: String, value: Int)] {
        errorsBySQLState.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
    }

    /// The lines after the message table: statements, errors, gaps, slowest statements.
    var statementLines: [String] {
        var lines = ["statements: \(statementCount)"]
        let errors = sortedErrors
        if !errors.isEmpty {
            lines.append("errors: " + errors.map { "\($0.key) × \($0.value)" }.joined(separator: ", "))
        }
        if gapCount > 0 {
            lines.append("gaps: \(gapCount) (\(missingBytes) bytes missing from the capture)")
        }
        for statement in slowest {
            let text = statement.text.count > 100 ? statement.text.prefix(99) + "…" : Substring(statement.text)
            // One line, as a message line shows the text: bytes that were not UTF-8 escaped (\xe9), as are control
            // characters but for line breaks, which read as spaces.
            lines.append(
                "slow: \(statement.latency!.text)  "
                    + OneLineText.escaped(text.replacingOccurrences(of: "\n", with: " ")))
        }
        return lines
    }

    /// The JSON Lines after the message rows, each ending with `jsonMembers` (the connection, for a connection's):
    /// `{"schema": 1, "statements": n}`, one `{"schema": 1, "sqlState": "22012", "errors": n}` per SQLSTATE (the
    /// most frequent first), with gaps `{"schema": 1, "gaps": n, "missingBytes": n}`, and one `{"schema": 1, "slowest": rank, "latencyMicroseconds": µs, "statement": text}`
    /// per slowest statement (rank 1 the slowest; the text whole).
    func statementJSONLines(jsonMembers: [(String, RenderedValue)]) -> [String] {
        let schema = ("schema", RenderedValue.integer(Int64(RenderFormat.jsonSchemaVersion)))
        var objects: [[(String, RenderedValue)]] = [[schema, ("statements", .integer(Int64(statementCount)))]]
        for (sqlState, count) in sortedErrors {
            objects.append([schema, ("sqlState", .string(sqlState)), ("errors", .integer(Int64(count)))])
        }
        if gapCount > 0 {
            objects.append([
                schema, ("gaps", .integer(Int64(gapCount))), ("missingBytes", .integer(Int64(missingBytes))),
            ])
        }
        for (rank, statement) in slowest.enumerated() {
            objects.append([
                schema, ("slowest", .integer(Int64(rank + 1))), statement.latency!.jsonMember,
                ("statement", .string(statement.text)),
            ])
        }
        return objects.map { RenderedValue.object($0 + jsonMembers).jsonText }
    }
}
