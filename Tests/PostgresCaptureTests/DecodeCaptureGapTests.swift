import Foundation
import PostgresCapture
import PostgresTestSupport
import Testing

/// `pgw decode` of captures with missing bytes (a lost packet, a short snapshot length): no latency is given to a
/// round trip that a gap makes uncertain, the next ones are timed again, and `--summary` counts the gaps.
@Suite("pgw decode times round trips after a gap only when in step, and counts gaps")
struct DecodeCaptureGapTests {
    typealias Scenario = CaptureScenario

    /// The Query and ReadyForQuery lines of `pgw decode` of `segments`, without the time of day: `#1 F Query …`.
    static func roundTripLines(_ segments: [TCPSegment]) async throws -> [String] {
        let path = try Scenario.write(segments)
        defer { unlink(path) }
        let outcome = try await PGWExecutable.run(["decode", path, "--only", "Query,ReadyForQuery"])
        #expect(outcome.succeeded, "\(outcome)")
        return outcome.standardOutput.split(separator: "\n").filter { !$0.contains(" -- ") }.map {
            String($0.dropFirst(16))
        }
    }

    /// The report's lost reply: the first query's result is missing, so the next ReadyForQuery (the second query's)
    /// was timed from the first query, and every later one from the query before its own.
    @Test("a lost reply: the uncertain ReadyForQuery has no latency, the next round trip is timed from its own query")
    func lostReply() async throws {
        let lines = try await Self.roundTripLines(Scenario.threeQueries(lost: 6))
        #expect(
            lines == [
                "#1 B ReadyForQuery I (idle)", #"#1 F Query "select 'first'""#, #"#1 F Query "select 'second'""#,
                "#1 B ReadyForQuery I (idle)", #"#1 F Query "select 'third'""#,
                "#1 B ReadyForQuery I (idle)  (1.000 ms)",
            ], "\(lines)")
    }

    /// The report's lost query: the ReadyForQuery of the query after it, which came in the packet after the query's
    /// own, had 0.000 ms; a round trip that starts while out of step is not timed.
    @Test("a lost query: the next query's round trip is not timed (was 0.000 ms)")
    func lostQuery() async throws {
        let lines = try await Self.roundTripLines(Scenario.threeQueries(lost: 7))
        #expect(
            lines == [
                "#1 B ReadyForQuery I (idle)", #"#1 F Query "select 'first'""#,
                "#1 B ReadyForQuery I (idle)  (1.000 ms)", "#1 B ReadyForQuery I (idle)",
                #"#1 F Query "select 'third'""#, "#1 B ReadyForQuery I (idle)",
            ], "\(lines)")
    }

    /// `--summary` of the lost reply: the three statements, only the third among the slowest (the first two were
    /// given its wrong latencies), and the gap with its missing bytes, per connection and overall, in text and JSON.
    @Test("--summary: the statements a gap made uncertain are counted untimed, and the gaps are counted")
    func summaryCountsGaps() async throws {
        let path = try Scenario.write(Scenario.threeQueries(lost: 6))
        defer { unlink(path) }
        let text = try await PGWExecutable.run(["decode", path, "--summary"])
        #expect(text.succeeded, "\(text)")
        let lines = text.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0 == "statements: 3" }.count == 2, "\(text)")
        #expect(lines.filter { $0 == "gaps: 1 (20 bytes missing from the capture)" }.count == 2, "\(text)")
        #expect(lines.filter { $0.hasPrefix("slow: ") }.count == 2, "\(text)")
        #expect(
            lines.filter { $0.hasPrefix("slow: ") }.allSatisfy { $0 == "slow: 1.000 ms  select 'third'" }, "\(text)")

        let json = try await PGWExecutable.run(["decode", path, "--summary", "--format", "json"])
        #expect(json.succeeded, "\(json)")
        let jsonLines = json.standardOutput.split(separator: "\n").map(String.init)
        #expect(try await JSONLinesSchemaValidator.problems(in: jsonLines) == [])
        #expect(jsonLines.contains(#"{"schema":1,"gaps":1,"missingBytes":20,"connection":1}"#), "\(json)")
        #expect(jsonLines.contains(#"{"schema":1,"gaps":1,"missingBytes":20}"#), "\(json)")
        #expect(jsonLines.contains(#"{"schema":1,"statements":3}"#), "\(json)")
    }
}
