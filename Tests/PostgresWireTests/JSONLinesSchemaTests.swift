import NIOCore
import PostgresTestSupport
import PostgresWire
import Testing

/// Every JSON line the golden vectors and synthetic sessions produce validates against
/// `docs/pgw-messages.schema.json` (Python's `jsonschema`), with no key twice in any object.
struct JSONLinesSchemaTests {
    /// Both JSON lines of a message: secrets masked, and revealed when that differs.
    static func jsonLines(_ message: DecodedMessage) -> [String] {
        let masked = message.formatted(as: .json)
        let revealed = message.formatted(as: .json, options: RenderOptions(revealSecrets: true))
        return masked == revealed ? [masked] : [masked, revealed]
    }

    /// Messages whose JSON has the rarer shapes: repeated names, unknown field codes, non-text bytes.
    static let unusualMessages: [WireMessage] = [
        .frontend(
            .startup(
                StartupMessage(parameters: [.init("user", "a"), .init("options", "-c a=1"), .init("options", "-c b=2")])
            )
        ),
        .backend(
            .noticeResponse(
                DiagnosticMessage(fields: [
                    .init(.message, "first"), .init(.message, "second"), .init(DiagnosticField(rawValue: 0x5A), "z"),
                ]))),
        .backend(.dataRow(DataRow(columns: [ByteBuffer(bytes: [0xFF, 0x00]), ByteBuffer(string: "line\nbreak")]))),
        .frontend(.copyFail(CopyFail(message: "\u{1}control"))),
    ]

    @Test func everyGoldenVectorAndSessionLineMatchesTheSchema() async throws {
        var decoded = decodedGoldenVectors()
        // Binary values of every common type, typed.
        decoded += TypedValueTests.cases.map { TypedValueTests.message($0.0, $0.1) }
        for message in Self.unusualMessages {
            var bytes = ByteBuffer()
            message.encode(into: &bytes)
            decoded.append(DecodedMessage(message: message, offset: 0, bytes: bytes))
        }
        var statistics = MessageStatistics()
        for session in SyntheticSessions.all {
            let events = SessionDecoderTests.decode(session)
            for case .message(let message) in events {
                decoded.append(message)
                statistics.add(message)
            }
        }
        var lines = decoded.flatMap(Self.jsonLines)
        lines += statistics.formatted(as: .json).split(separator: "\n").map(String.init)
        #expect(lines.count > 150)
        let problems = try await JSONLinesSchemaValidator.problems(in: lines)
        #expect(
            problems.isEmpty,
            "lines that do not match docs/pgw-messages.schema.json:\n\(problems.joined(separator: "\n"))")
    }

    @Test func theValidatorRejectsRepeatedKeysAndUndocumentedMembers() async throws {
        let lines = [
            #"{"schema":1,"direction":"backend","type":"CopyData","offset":0,"length":9,"length":4,"data":{"text":"abcd"}}"#,
            #"{"schema":1,"direction":"frontend","type":"Query","offset":0,"length":6,"query":"","rows":1}"#,
            #"{"schema":1,"direction":"frontend","type":"ReadyForQuery","offset":0,"length":6,"status":"I"}"#,
            #"{"schema":1,"direction":"backend","type":"DataRow","offset":0,"length":11,"columns":["\\x00"]}"#,
            #"{"schema":2,"direction":"frontend","type":"Sync","offset":0,"length":5}"#,
            #"{"schema":1,"direction":"frontend","type":"Sync","offset":0,"length":5}"#,
        ]
        let problems = try await JSONLinesSchemaValidator.problems(in: lines)
        #expect(problems.count == 5, "\(problems)")
        #expect(problems.first?.contains("duplicate key 'length'") == true, "\(problems)")
        #expect(!problems.contains { $0.hasPrefix("line 6:") }, "\(problems)")
    }

    @Test func aMissingJSONSchemaModuleFailsNamingIt() async throws {
        // `-S` leaves site-installed modules such as jsonschema out of Python's path.
        let error = await #expect(throws: TestSupportError.self) {
            try await JSONLinesSchemaValidator.problems(in: ["{}"], pythonOptions: ["-S"])
        }
        #expect(error?.description.contains("Python module 'jsonschema'") == true, "\(String(describing: error))")
    }
}
