import NIOCore
import PostgresGateway
import PostgresWire
import Testing

/// Extended-protocol input PostgreSQL 15 refuses, refused with its errors (each checked against PostgreSQL 15).
extension QuerySessionTests {
    /// The error the session answers `messages` with (then a Sync), `nil` for none.
    static func error(after messages: [FrontendMessage], in session: inout QuerySession) -> DiagnosticMessage? {
        var error: DiagnosticMessage?
        for message in messages + [.sync] {
            for case .errorResponse(let diagnostic) in session.handle(message) where error == nil { error = diagnostic }
        }
        return error
    }

    @Test func bindsPostgreSQLRefusesAreRefusedWithItsErrors() {
        let int4Text = Parse(query: "select $1::int4", parameterTypes: [23])
        let cases: [(String, [FrontendMessage], String, String)] = [
            (
                "text not UTF-8",
                [.parse(Parse(query: "select $1::text")), .bind(Bind(parameters: [bytes(0xFF, 0xFE)]))],
                "22021", "invalid byte sequence for encoding \"UTF8\": 0xff"
            ),
            (
                "incomplete sequence",
                [.parse(Parse(query: "select $1")), .bind(Bind(parameters: [bytes(0xE2, 0x82)]))],
                "22021", "invalid byte sequence for encoding \"UTF8\": 0xe2 0x82"
            ),
            (
                "binary text not UTF-8",
                [
                    .parse(Parse(query: "select $1::text", parameterTypes: [25])),
                    .bind(Bind(parameterFormats: [.binary], parameters: [bytes(0xFF)])),
                ],
                "22021", "invalid byte sequence for encoding \"UTF8\": 0xff"
            ),
            (
                "2 values for 1",
                [.parse(Parse(query: "select $1::text")), .bind(Bind(parameters: [Self.text("a"), Self.text("b")]))],
                "08P01", "bind message supplies 2 parameters, but prepared statement \"\" requires 1"
            ),
            (
                "0 values for 1", [.parse(Parse(name: "s", query: "select $1::text")), .bind(Bind(statement: "s"))],
                "08P01", "bind message supplies 0 parameters, but prepared statement \"s\" requires 1"
            ),
            (
                "2 formats for 1",
                [
                    .parse(Parse(query: "select $1::text")),
                    .bind(Bind(parameterFormats: [.text, .text], parameters: [Self.text("a")])),
                ],
                "08P01", "bind message has 2 parameter formats but 1 parameters"
            ),
            (
                "parameter format 2",
                [
                    .parse(Parse(query: "select $1::text")),
                    .bind(Bind(parameterFormats: [FormatCode(rawValue: 2)], parameters: [Self.text("a")])),
                ],
                "22023", "unsupported format code: 2"
            ),
            (
                "result format 2",
                [
                    .parse(Parse(query: "select 1")), .bind(Bind(resultFormats: [FormatCode(rawValue: 2)])),
                    .execute(Execute()),
                ],
                "22023", "unsupported format code: 2"
            ),
            (
                "2 result formats for 1 column",
                [.parse(Parse(query: "select 1")), .bind(Bind(resultFormats: [.text, .binary]))],
                "08P01", "bind message has 2 result formats but query has 1 columns"
            ),
            (
                "two statements", [.parse(Parse(query: "select 1; select 2"))],
                "42601", "cannot insert multiple commands into a prepared statement"
            ),
            (
                "a name parsed twice",
                [.parse(Parse(name: "s1", query: "select 1")), .parse(Parse(name: "s1", query: "select 2"))],
                "42P05", "prepared statement \"s1\" already exists"
            ),
            (
                "int4 of 3 bytes",
                [.parse(int4Text), .bind(Bind(parameterFormats: [.binary], parameters: [Self.text("abc")]))],
                "08P01", "insufficient data left in message"
            ),
            (
                "int4 of 6 bytes",
                [.parse(int4Text), .bind(Bind(parameterFormats: [.binary], parameters: [Self.text("abcdef")]))],
                "22P03", "incorrect binary data format in bind parameter 1"
            ),
            (
                "time of 8 bytes beyond a day",
                [
                    .parse(Parse(query: "select $1", parameterTypes: [1083])),
                    .bind(Bind(parameterFormats: [.binary], parameters: [bytes(0x7F, 0, 0, 0, 0, 0, 0, 1)])),
                ],
                "22008", "time out of range"
            ),
            (
                "bool of 0 bytes",
                [
                    .parse(Parse(query: "select $1", parameterTypes: [16])),
                    .bind(Bind(parameterFormats: [.binary], parameters: [ByteBuffer()])),
                ],
                "08P01", "no data left in message"
            ),
            (
                "time of 9 bytes",
                [
                    .parse(Parse(query: "select $1", parameterTypes: [1083])),
                    .bind(Bind(parameterFormats: [.binary], parameters: [Self.text("abcdefghi")])),
                ],
                "22008", "time out of range"
            ),
        ]
        for (name, messages, sqlState, message) in cases {
            var session = Self.session()
            let error = Self.error(after: messages, in: &session)
            #expect(error?.sqlState == sqlState && error?.message == message, "\(name): \(String(describing: error))")
        }
    }

    @Test func theUnnamedStatementIsReplacedAndAFailedParseDropsIt() {
        var session = Self.session()
        #expect(session.handle(.parse(Parse(query: "select 1"))) == [.parseComplete])
        #expect(session.handle(.parse(Parse(query: "select 2"))) == [.parseComplete])
        _ = session.handle(.parse(Parse(query: "select 1; select 2")))
        _ = session.handle(.sync)
        let error = Self.error(after: [.bind(Bind())], in: &session)
        #expect(error?.sqlState == "26000" && error?.message == "unnamed prepared statement does not exist")
    }

    @Test func aStatementTooLongToParseTakesTheParametersItsTextHolds() {
        var session = Self.session()
        let count = 10_000
        let query = "select " + (1...count).map { "$\($0)::int" }.joined(separator: ",")
        _ = session.handle(.parse(Parse(query: query)))
        let bind = Bind(parameters: Array(repeating: Self.text("7"), count: count))
        #expect(session.handle(.bind(bind)) == [.bindComplete])
    }

    @Test func aBindErrorFailsTheTransaction() {
        var session = Self.session()
        _ = session.handle(.query(Query("begin")))
        _ = session.handle(.parse(Parse(query: "select $1::text")))
        #expect(session.handle(.bind(Bind())).first.map { if case .errorResponse = $0 { true } else { false } } == true)
        #expect(session.handle(.sync) == [.readyForQuery(.failed)])
        // In a failed transaction Parse and Bind answer 25P02, unless the statement ends it.
        #expect(Self.error(after: [.parse(Parse(query: "select 1"))], in: &session)?.sqlState == "25P02")
        #expect(session.handle(.parse(Parse(query: "rollback"))) == [.parseComplete])
        // A statement's result format codes are checked when rows go out: a command takes any.
        _ = session.handle(.query(Query("rollback")))
        _ = session.handle(.parse(Parse(query: "set x.y = 1")))
        #expect(session.handle(.bind(Bind(resultFormats: [FormatCode(rawValue: 2)]))) == [.bindComplete])
        #expect(session.handle(.execute(Execute())) == [.commandComplete(CommandComplete(tag: "SET"))])
    }
}

/// A buffer of `values`.
private func bytes(_ values: UInt8...) -> ByteBuffer { ByteBuffer(bytes: values) }
