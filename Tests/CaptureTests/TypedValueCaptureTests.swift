import Foundation
import NIOCore
import PostgresTestSupport
import PostgresWire
import Testing

/// asyncpg (binary by default) and psycopg (`binary=True`, `%b` parameters) against PostgreSQL 15: each binary
/// value is decoded by the type its connection's RowDescription or Describe gave, and shows what PostgreSQL's own
/// text output of the same value shows.
@Suite(.postgresServer(.captureTests), .timeLimit(.minutes(3)))
struct TypedValueCaptureTests {
    /// SQL expressions of the common types, with values at the edges of their text output.
    static let expressions = [
        "true", "false", "(-2)::int2", "2147483647::int4", "(-9223372036854775807 - 1)::int8", "4294967295::oid",
        "1.5::float4", "0.1::float4", "1234567::float4", "1e-5::float4", "3.4e38::float4", "0.1::float8",
        "1e15::float8", "123456789012345::float8", "1e-5::float8", "'-0'::float8", "(1/3.0)::float8",
        "'NaN'::float8", "'-Infinity'::float8", "1.7976931348623157e308::float8", "5e-324::float8",
        "12345.678::numeric", "0.001::numeric", "(-5)::numeric", "1e20::numeric", "'NaN'::numeric",
        "123.4500::numeric", "0::numeric", "'hello \"x\"'::text", "'v'::varchar", "'n'::name", "'ab'::char(4)",
        "'\\x4100'::bytea", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid", "'2024-02-29'::date",
        "'0044-03-15 BC'::date", "'infinity'::date", "'2024-02-29 12:34:56.789'::timestamp",
        "'1999-12-31 23:59:59.999999'::timestamp", "'0044-03-15 12:00 BC'::timestamp",
        "'2024-02-29 12:34:56+02'::timestamptz", "'-infinity'::timestamptz", "'12:34:56.789'::time",
        "'24:00'::time", "'12:00:00+02'::timetz", "'00:00:00-05:30'::timetz",
        "'1 year 2 mons 3 days 04:05:06.789'::interval", "'-1 days +02:00:00'::interval",
        "'-1 mon -1 sec'::interval", "'0'::interval", "'100 hours'::interval", "'{\"a\": 1}'::jsonb",
        "'[1, 2]'::json", "array[1, null, 3]::int4[]", "array[[1, 2], [3, 4]]::int8[]",
        "array['a', 'b']::text[]", "'{}'::int4[]",
    ]

    /// PostgreSQL's text output of a typed value (arrays as `{…}`, elements unquoted: the test uses plain ones).
    static func postgresText(_ value: TypedValue.Value) -> String {
        switch value {
        case .number(let number): number
        case .boolean(let boolean): boolean ? "true" : "false"
        case .text(let text): text
        case .array(let elements): "{" + elements.map { $0.map(postgresText) ?? "NULL" }.joined(separator: ",") + "}"
        }
    }

    /// Each row of the scenario's (marker, value, value::text) rows: the value typed, shown as the text column's
    /// text. bpchar keeps its padding, which a cast to text drops.
    static func checkRows(_ transcript: ScenarioTranscript, driver: String) {
        var checked = 0
        for message in transcript.messages(.backend) {
            guard case .backend(.dataRow(let row)) = message.message, row.columnCount == 3,
                row.columns[0] == ByteBuffer(string: "pgw-typed")
            else { continue }
            guard case .array(let columns) = message.rendered().fields.first(where: { $0.0 == "columns" })?.1,
                case .typed(let typed) = columns[1], case .typed(let text) = columns[2],
                case .text(let expected) = text.value
            else {
                Issue.record("\(driver): a row not typed: \(message.formatted(as: .text))")
                continue
            }
            var shown = postgresText(typed.value)
            if typed.typeName == "bpchar" { shown = String(shown.reversed().drop { $0 == " " }.reversed()) }
            #expect(shown == expected, "\(driver): \(typed.typeName) shown as \(shown), PostgreSQL says \(expected)")
            checked += 1
        }
        #expect(checked == expressions.count, "\(driver): every expression's row is typed")
    }

    @Test(arguments: ["asyncpg", "psycopg"])
    func binaryValuesShowWhatPostgreSQLShows(driver: String) async throws {
        let server = try PostgresServerTrait.server()
        let captures = try await CaptureSession.record(server: server) { session in
            try await session.pythonClient(
                "typed_values_scenario.py", [driver] + Self.expressions, requiring: [driver]
            ).runExpectingSuccess("\(driver) typed values")
        }
        let transcript = try await CaptureVerifier.verify(captures, scenario: "\(driver) typed values")
        Self.checkRows(transcript, driver: driver)
        // Binary parameters, typed by Parse (psycopg) or by the statement's ParameterDescription (asyncpg).
        let binds = transcript.messages(.frontend).map { $0.formatted(as: .text) }.filter { $0.hasPrefix("F Bind") }
        #expect(binds.contains { $0.contains(#"parameters=[41, "hello", 0.5, true]"#) }, "\(binds)")
        let rows = transcript.messages(.backend).map { $0.formatted(as: .text) }
        #expect(rows.contains(#"B DataRow [42, "hello", 0.5, true]"#))
    }
}
