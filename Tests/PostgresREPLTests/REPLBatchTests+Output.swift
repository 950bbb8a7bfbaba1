import Foundation
import PostgresTestSupport
import Testing

/// What `pgw repl` prints: typed binary values the server computes with, JSON Lines, a lost connection's words.
extension REPLBatchTests {
    /// The lines `pgw decode` prints for psycopg's `execute(…, binary=True)`, pasted: the values are encoded by
    /// the types of the statement's Parse, or of a ParameterDescription.
    @Test func binaryParametersAsDecodePrintsThem() async throws {
        let outcome = try await Self.run(
            #"""
            Parse "select $1::int2 + 1, $2::float8 * 2, $3::bool, $4::int4[]" [int2, float8, bool, _int4]
            Bind parameters=[41, 2.5, true, [1, NULL, 3]] formats=["binary", "binary", "binary", "binary"]
            Execute
            Sync
            \expect ParseComplete
            \expect BindComplete
            \expect DataRow columns=["42", "5", "t", "{1,NULL,3}"]
            \expect CommandComplete
            \expect ReadyForQuery status=I
            Parse name="d" "select $1::int8 - 1"
            Describe statement "d"
            Sync
            \expect ParseComplete
            \expect ParameterDescription
            \expect RowDescription
            \expect ReadyForQuery
            Bind statement="d" parameters=[43] formats=[binary]
            Execute
            Sync
            \expect BindComplete
            \expect DataRow columns=["42"]
            """#)
        #expect(outcome.status == 0, "\(outcome)")
    }

    /// `--format json`: standard output is JSON Lines only (the login's messages too), the notes go to standard
    /// error, and the server's offsets go on from the login's.
    @Test func jsonOutputIsJSONLines() async throws {
        let outcome = try await Self.run(#"Query "select 1""#, arguments: ["--format", "json"])
        #expect(outcome.status == 0, "\(outcome)")
        let lines = outcome.standardOutput.split(separator: "\n")
        let objects = lines.compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
        #expect(objects.count == lines.count, "not JSON: \(outcome.standardOutput)")
        #expect(outcome.standardError.contains("-- connected to"), "\(outcome)")
        let backend = objects.filter { $0["direction"] as? String == "backend" }
        let types = backend.compactMap { $0["type"] as? String }
        #expect(types.first == "ParameterStatus", "\(outcome)")
        #expect(types.contains("BackendKeyData") && types.contains("DataRow"), "\(outcome)")
        var next = 0
        for object in backend {
            #expect(object["offset"] as? Int == next, "offsets not continuous: \(outcome.standardOutput)")
            next = (object["offset"] as? Int ?? 0) + (object["length"] as? Int ?? 0)
        }
    }

    /// A connection the server ends is said to be the server's doing, in plain words (here it resets the connection:
    /// the Query after the bad message arrives after it closed).
    @Test func aConnectionTheServerEndsIsNamed() async throws {
        let outcome = try await Self.run(
            """
            \\hex 5a 00 00 00 04
            Query "select 1"
            """)
        #expect(outcome.status == 1, "\(outcome)")
        #expect(outcome.standardOutput.contains("B ErrorResponse FATAL 08P01"), "\(outcome)")
        #expect(outcome.standardOutput.contains("-- the server closed the connection"), "\(outcome)")
        #expect(!outcome.standardOutput.contains("pgw closed the connection"), "\(outcome)")
        #expect(!outcome.standardOutput.contains("descriptor:pointer"), "\(outcome)")
        #expect(outcome.standardError.contains("the server "), "\(outcome)")
        #expect(!outcome.standardError.contains("I/O on closed channel"), "\(outcome)")
    }

    /// An 8 MB line is read in one pass: 3 s in a debug build, allowed 2 minutes for a loaded machine running the
    /// whole suite (the reader searched the whole line again for every 64 KiB that arrived: many minutes for such a
    /// line), and 30 s for each reply.
    @Test func aLongLineIsReadInOnePass() async throws {
        let outcome = try await Self.run(
            #"Query "select length('"# + String(repeating: "x", count: 8_000_000) + #"')""# + "\n"
                + #"\expect RowDescription"# + "\n" + #"\expect DataRow columns=["8000000"]"#,
            arguments: ["--timeout", "30"], timeout: .seconds(120))
        #expect(outcome.status == 0, "\(outcome.standardError)")
    }
}
